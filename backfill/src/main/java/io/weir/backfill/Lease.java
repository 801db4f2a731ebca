package io.weir.backfill;

import java.net.InetAddress;
import java.time.Duration;
import java.time.Instant;

/**
 * Who is building a RUNNING ledger entry, and whether that process still lives. A process on this
 * host is asked directly by its pid; one elsewhere is alive while it renews its heartbeat.
 *
 * @param owner {@code host:pid} of the building process; null for entries written before leases
 */
public record Lease(String owner, Instant heartbeat) {

    /** How often a running process renews the leases of its entries. */
    public static final Duration HEARTBEAT = Duration.ofSeconds(20);
    /** A lease not renewed for this long has expired: its process died or hangs. */
    public static final Duration TIMEOUT = Duration.ofMinutes(2);

    private static final String HOST = hostName();

    public static String currentOwner() {
        return HOST + ":" + ProcessHandle.current().pid();
    }

    /** Whether the owner is gone; {@code since} stands in for the heartbeat of an entry that has none. */
    public boolean expired(Instant now, Instant since) {
        if (owner != null && owner.startsWith(HOST + ":")) {
            try {
                long pid = Long.parseLong(owner.substring(HOST.length() + 1));
                return ProcessHandle.of(pid).map(p -> !p.isAlive()).orElse(true);
            } catch (NumberFormatException e) {
                // not a pid: judge by the heartbeat
            }
        }
        Instant last = heartbeat != null ? heartbeat : since;
        return last == null || Duration.between(last, now).compareTo(TIMEOUT) > 0;
    }

    private static String hostName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (Exception e) {
            return "localhost";
        }
    }
}
