package io.weir.sandbox;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;

/** Ports for the servers the sandbox starts. */
final class Ports {

    private Ports() {}

    /** A port nothing listens on now (the OS picks it); the caller binds it soon after. */
    static int free() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
