package io.weir.cli;

import java.nio.file.Path;

/** The Weir installation directory: WEIR_HOME as bin/weir sets it, else the working directory. */
final class Home {

    private Home() {}

    static Path dir() {
        String home = System.getenv("WEIR_HOME");
        return (home != null ? Path.of(home) : Path.of("")).toAbsolutePath().normalize();
    }
}
