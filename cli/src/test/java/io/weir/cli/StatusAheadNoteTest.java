package io.weir.cli;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.ZoneId;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** A watermark far ahead of now is explained: a future event, or event times of a zone east of the pipeline's. */
class StatusAheadNoteTest {

    private static final ZoneId NEW_YORK = ZoneId.of("America/New_York");

    @Test
    void aWatermarkHoursAheadIsExplainedAndClockSkewIsNot() {
        assertEquals(Optional.of("note: ods_trips: its watermark is 41h ahead of now in America/New_York"
                        + " (pipeline.time-zone). Either an event was stamped in the future, or its source writes local"
                        + " times of a zone east of America/New_York: then set pipeline.time-zone to that zone"),
                StatusCommand.aheadNote("ods_trips", -Duration.ofHours(41).toMillis(), NEW_YORK));
        assertEquals(Optional.empty(), StatusCommand.aheadNote("ods_trips", -Duration.ofSeconds(40).toMillis(), NEW_YORK),
                "a producer's clock a little fast");
        assertEquals(Optional.empty(), StatusCommand.aheadNote("ods_trips", Duration.ofHours(3).toMillis(), NEW_YORK));
        assertEquals(Optional.empty(), StatusCommand.aheadNote("ods_trips", null, NEW_YORK), "no watermark");
    }
}
