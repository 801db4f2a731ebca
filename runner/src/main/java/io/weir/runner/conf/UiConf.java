package io.weir.runner.conf;

/** Where weir ui serves its status page: the {@code ui} section. */
public record UiConf(String bind, int port) {

    public UiConf withPort(int newPort) {
        return new UiConf(bind, newPort);
    }
}
