// Another local account at the broker's controller port, without credentials: it tries to set
// the whole broker's log retention (issue 44). Run with `java -cp <kafka lib>/* ControllerProbe.java host:port`.
import java.util.*;
import org.apache.kafka.clients.admin.*;
import org.apache.kafka.common.config.ConfigResource;

public class ControllerProbe {
    public static void main(String[] args) throws Exception {
        Properties p = new Properties();
        p.put("bootstrap.controllers", args[0]);
        p.put("security.protocol", "PLAINTEXT");
        p.put("request.timeout.ms", "2000");
        p.put("default.api.timeout.ms", "3000");
        try (Admin admin = Admin.create(p)) {
            ConfigResource broker = new ConfigResource(ConfigResource.Type.BROKER, "1");
            AlterConfigOp op = new AlterConfigOp(new ConfigEntry("log.retention.ms", "1000"), AlterConfigOp.OpType.SET);
            admin.incrementalAlterConfigs(Map.of(broker, List.of(op))).all().get();
            System.out.println("ALTERED");
        } catch (Exception e) {
            System.out.println("REFUSED " + e);
        }
    }
}
