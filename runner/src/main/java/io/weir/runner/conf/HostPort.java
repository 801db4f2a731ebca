package io.weir.runner.conf;

import java.net.URI;
import java.net.URISyntaxException;

/**
 * A network address as {@code host:port}, where an IPv6 literal goes in brackets ({@code [::1]:8081},
 * as in a URL): a bare one cannot tell its last group from the port.
 */
public record HostPort(String host, int port) {

    /** Parses {@code host:port}; the message of the exception says what was expected. */
    public static HostPort parse(String text) {
        String value = text == null ? "" : text.trim();
        if (value.chars().filter(c -> c == ':').count() > 1 && !value.startsWith("[")) {
            throw new IllegalArgumentException("'" + value + "' has more than one ':'; write an IPv6 address in"
                    + " brackets, as [::1]:8081");
        }
        URI uri;
        try {
            uri = new URI("tcp://" + value);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("'" + value + "' is not host:port");
        }
        if (uri.getHost() == null || uri.getRawUserInfo() != null || !uri.getRawPath().isEmpty()
                || uri.getRawQuery() != null || uri.getRawFragment() != null) {
            throw new IllegalArgumentException("'" + value + "' is not host:port");
        }
        if (uri.getPort() < 1 || uri.getPort() > 65535) {
            throw new IllegalArgumentException("'" + value + "' needs a port from 1 to 65535 after the host, as host:8081");
        }
        return new HostPort(uri.getHost(), uri.getPort());
    }

    /** As a URL's authority: an IPv6 host in brackets. */
    @Override
    public String toString() {
        return (host.contains(":") && !host.startsWith("[") ? "[" + host + "]" : host) + ":" + port;
    }
}
