package io.weir.runner.session;

import io.weir.runner.WeirException;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.StandardOpenOption;

/**
 * One streaming job per layer: an operating-system lock held for as long as a process streams the
 * layer. A second stream of the same layer would write every change twice (and its {@code --fresh}
 * would re-read the whole source on top of the first one's output), so it is refused outright. The
 * lock dies with its process, so a kill -9 never leaves a layer locked.
 *
 * <p>The lock lives beside the layer's state when that is on a local file system. State on a remote
 * file system is locked in the local temp dir, which guards this host only.
 */
final class StreamLock implements AutoCloseable {

    private static final String FILE = "stream.lock";

    private final java.nio.file.Path file;
    private final FileChannel channel;
    private final FileLock lock;

    private StreamLock(java.nio.file.Path file, FileChannel channel, FileLock lock) {
        this.file = file;
        this.channel = channel;
        this.lock = lock;
    }

    /** Takes the lock of a layer's state root, or refuses with who holds it. */
    static StreamLock acquire(String layer, String stateRoot) {
        java.nio.file.Path file = fileFor(stateRoot);
        try {
            Files.createDirectories(file.getParent());
            FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ,
                    StandardOpenOption.WRITE);
            FileLock lock;
            try {
                lock = channel.tryLock();
            } catch (OverlappingFileLockException e) {
                lock = null;
            }
            if (lock == null) {
                String holder = readHolder(channel);
                channel.close();
                throw WeirException.badInput("layer '" + layer + "' is already streaming"
                        + (holder.isEmpty() ? "" : " in process " + holder) + " (lock " + file + ")."
                        + " Stop that stream first: two streams of one layer write every change twice.");
            }
            channel.truncate(0);
            channel.write(ByteBuffer.wrap(holder().getBytes(StandardCharsets.UTF_8)), 0);
            channel.force(false);
            return new StreamLock(file, channel, lock);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot lock " + file, e);
        }
    }

    private static java.nio.file.Path fileFor(String stateRoot) {
        return io.weir.runner.lake.LockFiles.fileFor(stateRoot, FILE);
    }

    private static String readHolder(FileChannel channel) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(256);
        channel.read(buffer, 0);
        return new String(buffer.array(), 0, buffer.position(), StandardCharsets.UTF_8).trim();
    }

    private static String holder() {
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            host = "localhost";
        }
        return ProcessHandle.current().pid() + " on " + host;
    }

    /** Releases the lock; a second close does nothing. */
    @Override
    public void close() {
        if (!channel.isOpen()) {
            return;
        }
        try {
            lock.release();
            channel.close();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot release " + file, e);
        }
    }
}
