package io.weir.sandbox;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MariaDbBinariesTest {

    @TempDir Path cache;

    @Test
    void anInterruptedUnpackIsNeverUsedAndAWholeCopyIsUnpackedOnce() {
        Path base = cache.resolve("mariadb-x");
        AtomicInteger unpacks = new AtomicInteger();
        assertThrows(UncheckedIOException.class, () -> MariaDbBinaries.unpackOnce(base, dir -> {
            write(dir.resolve("bin/half-written"));
            throw new IOException("disk full");
        }));
        assertFalse(Files.exists(base), "half a copy never takes the base directory's place");
        MariaDbBinaries.unpackOnce(base, dir -> {
            unpacks.incrementAndGet();
            write(dir.resolve("bin/mariadbd"));
        });
        MariaDbBinaries.unpackOnce(base, dir -> unpacks.incrementAndGet());
        assertEquals(1, unpacks.get(), "a whole copy is unpacked once");
        assertFalse(Files.exists(base.resolve("bin/half-written")), "the interrupted unpack's files are gone");
        assertTrue(Files.exists(base.resolve("bin/mariadbd")));
    }

    private static void write(Path file) {
        try {
            Files.createDirectories(file.getParent());
            Files.writeString(file, "x");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
