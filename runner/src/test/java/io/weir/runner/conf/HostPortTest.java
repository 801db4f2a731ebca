package io.weir.runner.conf;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class HostPortTest {

    @Test
    void namesHostsIpv4AndBracketedIpv6() {
        assertEquals(new HostPort("flink-jm.example.com", 8081), HostPort.parse("flink-jm.example.com:8081"));
        assertEquals(new HostPort("10.0.0.7", 8081), HostPort.parse(" 10.0.0.7:8081 "));
        HostPort v6 = HostPort.parse("[fd00::2]:8081");
        assertEquals(8081, v6.port());
        assertEquals("[fd00::2]:8081", v6.toString(), "an IPv6 host keeps its brackets in a URL");
    }

    @Test
    void refusesWhatIsNotOneHostAndOnePort() {
        for (String bad : new String[] {"fd00::2:8081", "jm", "jm:0", "jm:70000", ":8081", "user@jm:8081", "jm:8081?x=1", ""}) {
            assertThrows(IllegalArgumentException.class, () -> HostPort.parse(bad), bad);
        }
    }
}
