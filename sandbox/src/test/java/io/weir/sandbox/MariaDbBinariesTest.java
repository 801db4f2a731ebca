package io.weir.sandbox;

import ch.vorburger.exec.ManagedProcessException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

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
    void aHalfUnpackedCopyIsReplacedAndAWholeOneIsKept() throws Exception {
        Path base = cache.resolve("mariadb-x");
        AtomicInteger unpacks = new AtomicInteger();
        assertThrows(java.io.UncheckedIOException.class, () -> MariaDbBinaries.unpackOnce(base, () -> {
            write(base.resolve("bin/half-written"));
            throw new ManagedProcessException("disk full");
        }));
        MariaDbBinaries.unpackOnce(base, () -> {
            unpacks.incrementAndGet();
            write(base.resolve("bin/mariadbd"));
        });
        MariaDbBinaries.unpackOnce(base, unpacks::incrementAndGet);
        assertEquals(1, unpacks.get(), "a whole copy is unpacked once");
        assertFalse(Files.exists(base.resolve("bin/half-written")), "the interrupted unpack's files are gone");
        assertTrue(Files.exists(base.resolve("bin/mariadbd")));
    }

    private static void write(Path file) {
        try {
            Files.createDirectories(file.getParent());
            Files.writeString(file, "x");
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
