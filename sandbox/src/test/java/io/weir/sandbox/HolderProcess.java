package io.weir.sandbox;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.file.Path;

/** A child JVM running a holder's main on a directory, and the port it printed once its server was up. */
record HolderProcess(Process process, int port) {

    static HolderProcess start(Class<?> main, Path dir) throws Exception {
        Process process = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), main.getName(), dir.toString())
                .redirectErrorStream(true).start();
        BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream()));
        for (String line = out.readLine(); line != null; line = out.readLine()) {
            if (line.startsWith("ready ")) {
                return new HolderProcess(process, Integer.parseInt(line.substring("ready ".length())));
            }
        }
        process.destroyForcibly();
        throw new AssertionError(main.getSimpleName() + " ended before its server was up");
    }
}
