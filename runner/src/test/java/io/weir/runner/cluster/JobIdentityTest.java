package io.weir.runner.cluster;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A job's name carries its identity there and back; its fixed id follows identity and state only. */
class JobIdentityTest {

    @Test
    void nameRoundTripsAndIdsFollowIdentityAndState() {
        JobIdentity identity = JobIdentity.of("order_dw", "dws_users", List.of("CREATE TABLE t ...", "INSERT INTO t ..."));
        assertTrue(identity.jobName().matches("weir order_dw dws_users stream sql:[0-9a-f]{12}"), identity.jobName());
        assertEquals(Optional.of(identity), JobIdentity.parse(identity.jobName()));
        assertEquals(Optional.empty(), JobIdentity.parse("insert-into_default_catalog.default_database.t"));
        assertEquals(Optional.empty(), JobIdentity.parse("weir order_dw dws_users batch 20230215"));

        JobIdentity changed = JobIdentity.of("order_dw", "dws_users", List.of("CREATE TABLE t ...", "INSERT INTO t ... WHERE x"));
        assertTrue(identity.sameJob(changed));
        assertNotEquals(identity.sqlHash(), changed.sqlHash());
        assertEquals(identity.jobId(Optional.of("file:/s/savepoint-1"), 0), identity.jobId(Optional.of("file:/s/savepoint-1"), 0),
                "two clients resuming the same state submit the same id, and the cluster takes only one");
        assertNotEquals(identity.jobId(Optional.of("file:/s/savepoint-1"), 0), identity.jobId(Optional.of("file:/s/savepoint-2"), 0));
        assertNotEquals(identity.jobId(Optional.empty(), 0), identity.jobId(Optional.empty(), 1));
        assertNotEquals(identity.jobId(Optional.empty(), 0), changed.jobId(Optional.empty(), 0));
    }
}
