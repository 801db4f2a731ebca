package io.weir.cli;

import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * Debian's Chromium and its chromedriver, driven by Selenium. The test command must run everything
 * on a fresh machine, so a missing browser is installed when this process may (root with apt-get),
 * and otherwise the test fails saying how to install it.
 */
final class HeadlessChromium {

    static final Path BROWSER = Path.of("/usr/bin/chromium");
    static final Path DRIVER = Path.of("/usr/bin/chromedriver");
    private static final String INSTALL = "apt-get install -y chromium chromium-driver";

    private HeadlessChromium() {}

    static ChromeDriver start(Path profileDir) throws Exception {
        ensureInstalled();
        ChromeOptions options = new ChromeOptions();
        options.setBinary(BROWSER.toFile());
        // Without the background-networking flags Chromium keeps dialling Google on an offline machine.
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--window-size=1400,1000", "--user-data-dir=" + profileDir);
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(DRIVER.toFile())
                .usingAnyFreePort()
                .withLogFile(profileDir.resolve("chromedriver.log").toFile())
                .build();
        ChromeDriver driver = new ChromeDriver(service, options);
        driver.manage().timeouts().pageLoadTimeout(Duration.ofSeconds(60));
        return driver;
    }

    static synchronized void ensureInstalled() throws Exception {
        if (Files.isExecutable(BROWSER) && Files.isExecutable(DRIVER)) {
            return;
        }
        boolean root = "root".equals(System.getProperty("user.name"));
        if (!root || !new File("/usr/bin/apt-get").canExecute()) {
            fail("The status page's test needs Debian's Chromium and chromedriver (" + BROWSER + ", " + DRIVER
                    + "). Install them with: sudo " + INSTALL);
        }
        Path log = Files.createTempFile("weir-chromium-install", ".log");
        Process install = new ProcessBuilder("bash", "-c", "apt-get update -qq && DEBIAN_FRONTEND=noninteractive " + INSTALL)
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        if (!install.waitFor(15, TimeUnit.MINUTES)) {
            install.destroyForcibly();
            fail("installing Chromium took over 15 minutes; install it with: " + INSTALL + "\n" + Files.readString(log));
        }
        if (install.exitValue() != 0 || !Files.isExecutable(BROWSER) || !Files.isExecutable(DRIVER)) {
            fail("could not install Chromium (exit " + install.exitValue() + "); install it with: sudo " + INSTALL
                    + "\n" + Files.readString(log));
        }
    }
}
