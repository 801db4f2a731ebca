package io.weir.runner.cluster;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A class the cluster lacks is named with the job-lib jar that holds it. */
class MissingClassTest {

    @Test
    void namesTheJarOfTheJobLib() {
        String hint = MissingClass.hint("ClassNotFoundException: org.apache.flink.cdc.debezium.DebeziumDeserializationSchema");
        assertTrue(hint.contains("the cluster cannot load org.apache.flink.cdc.debezium.DebeziumDeserializationSchema,"
                + " which flink-connector-debezium-3.2.0.jar holds"), hint);
        String slashed = MissingClass.hint("NoClassDefFoundError: org/apache/paimon/flink/FlinkCatalogFactory");
        assertTrue(slashed.contains("which paimon-flink-1.20-1.3.1.jar holds"), slashed);
        assertTrue(MissingClass.hint("ClassNotFoundException: com.example.Nowhere").contains("a jar is missing from flink.jars"));
        assertEquals("", MissingClass.hint("File deletion conflicts detected"));
    }

    /** Jars that hold other versions of the client's classes (a shaded connector, a wrong list) make the job unreadable. */
    @Test
    void anUnreadableJobPointsAtTheShippedJars() {
        String hint = MissingClass.hint("StreamCorruptedException: unexpected block data");
        assertTrue(hint.startsWith(" (the cluster could not read what this client serialized: the jars shipped with the"
                + " job hold other versions of its classes than Weir's own, or lack them. Leave flink.jars out"), hint);
        assertTrue(MissingClass.hint("InvalidClassException: com.fasterxml.jackson.databind.ObjectMapper; local class"
                + " incompatible").contains("could not read what this client serialized"));
    }
}
