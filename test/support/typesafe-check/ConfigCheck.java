// Parses and resolves HOCON files with Typesafe Config (the library Canton reads its config with) and
// prints, per file, every resolved leaf as {"<path>": <json value>} or {"error": "..."} as one JSON object.
// Usage: java -cp typesafe-config.jar:<dir> ConfigCheck file1.conf [file2.conf ...]
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigRenderOptions;
import com.typesafe.config.ConfigResolveOptions;
import com.typesafe.config.ConfigSyntax;
import com.typesafe.config.ConfigUtil;
import com.typesafe.config.ConfigValue;
import java.io.File;
import java.util.Map;
import java.util.TreeMap;

public final class ConfigCheck {
  public static void main(String[] args) {
    StringBuilder out = new StringBuilder("{");
    boolean firstFile = true;
    for (String file : args) {
      if (!firstFile) out.append(',');
      firstFile = false;
      out.append(ConfigUtil.quoteString(file)).append(':');
      try {
        Config c = ConfigFactory.parseFile(new File(file), ConfigParseOptions.defaults().setSyntax(ConfigSyntax.CONF).setAllowMissing(false))
            .resolve(ConfigResolveOptions.defaults().setUseSystemEnvironment(true));
        TreeMap<String, String> leaves = new TreeMap<>();
        for (Map.Entry<String, ConfigValue> e : c.entrySet()) {
          leaves.put(e.getKey(), e.getValue().render(ConfigRenderOptions.concise()));
        }
        out.append('{');
        boolean first = true;
        for (Map.Entry<String, String> e : leaves.entrySet()) {
          if (!first) out.append(',');
          first = false;
          out.append(ConfigUtil.quoteString(e.getKey())).append(':').append(e.getValue());
        }
        out.append('}');
      } catch (Exception e) {
        out.append("{\"error\":").append(ConfigUtil.quoteString(String.valueOf(e.getMessage()))).append('}');
      }
    }
    out.append('}');
    System.out.println(out);
  }
}
