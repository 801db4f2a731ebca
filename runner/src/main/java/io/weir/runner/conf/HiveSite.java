package io.weir.runner.conf;

import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilderFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The {@code hive-site.xml} of a Hive conf directory, as Hive's clients read it: where a metastore
 * with several instances (high availability) or extra client settings is described.
 */
public final class HiveSite {

    public static final String FILE = "hive-site.xml";
    static final String URIS = "hive.metastore.uris";

    private HiveSite() {}

    /** The directory's {@code hive.metastore.uris}; empty when it sets none. */
    public static Optional<String> uris(Path dir) {
        Path file = dir.resolve(FILE);
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("no " + FILE + " in " + dir);
        }
        try {
            DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
            factory.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
            factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
            Document document = factory.newDocumentBuilder().parse(file.toFile());
            NodeList properties = document.getElementsByTagName("property");
            String uris = null;
            for (int i = 0; i < properties.getLength(); i++) {
                Element property = (Element) properties.item(i);
                if (URIS.equals(text(property, "name"))) {
                    uris = text(property, "value"); // the last one wins, as in Hadoop's Configuration
                }
            }
            return Optional.ofNullable(uris).filter(u -> !u.isBlank());
        } catch (Exception e) {
            throw new IllegalArgumentException(file + " is not a Hadoop configuration file: " + e.getMessage());
        }
    }

    private static String text(Element property, String tag) {
        NodeList nodes = property.getElementsByTagName(tag);
        return nodes.getLength() == 0 ? null : nodes.item(0).getTextContent().trim();
    }
}
