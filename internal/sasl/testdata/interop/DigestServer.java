// DigestServer runs the JDK's own DIGEST-MD5 SaslServer (the implementation
// Hadoop's IPC server uses) configured like a Hadoop TOKEN server
// (protocol "", server name "default"), driven line by line over
// stdin/stdout. It exists only to check the Go client against the JDK; see
// interop_java_test.go (build tag javainterop).
//
// Usage: java DigestServer.java <user hex> <password hex> <qop list> <strength list> [maxbuf]
// (user and password are given as the hex of their UTF-8 bytes.)
// Output: "CHALLENGE <hex>", then one line per command:
//   RESPONSE <hex> -> OK <final hex> <qop> <cipher> <raw send size>
//   WRAP <hex>     -> OK <hex>
//   UNWRAP <hex>   -> OK <hex>
//   QUIT
// Failures are reported as "ERR <message>".
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;
import javax.security.auth.callback.Callback;
import javax.security.auth.callback.NameCallback;
import javax.security.auth.callback.PasswordCallback;
import javax.security.auth.callback.UnsupportedCallbackException;
import javax.security.sasl.AuthorizeCallback;
import javax.security.sasl.RealmCallback;
import javax.security.sasl.Sasl;
import javax.security.sasl.SaslServer;

public class DigestServer {
    public static void main(String[] args) throws Exception {
        HexFormat hex = HexFormat.of();
        final String user = new String(hex.parseHex(args[0]), StandardCharsets.UTF_8);
        final String password = new String(hex.parseHex(args[1]), StandardCharsets.UTF_8);
        Map<String, Object> props = new HashMap<>();
        props.put(Sasl.QOP, args[2]);
        props.put(Sasl.STRENGTH, args[3]);
        if (args.length > 4) {
            props.put(Sasl.MAX_BUFFER, args[4]);
        }
        SaslServer server = Sasl.createSaslServer("DIGEST-MD5", "", "default", props, callbacks -> {
            for (Callback cb : callbacks) {
                if (cb instanceof NameCallback nc) {
                    if (!user.equals(nc.getDefaultName())) {
                        throw new UnsupportedCallbackException(cb, "unknown user " + nc.getDefaultName());
                    }
                } else if (cb instanceof PasswordCallback pc) {
                    pc.setPassword(password.toCharArray());
                } else if (cb instanceof RealmCallback rc) {
                    rc.setText(rc.getDefaultText());
                } else if (cb instanceof AuthorizeCallback ac) {
                    boolean ok = ac.getAuthenticationID().equals(ac.getAuthorizationID());
                    ac.setAuthorized(ok);
                    if (ok) {
                        ac.setAuthorizedID(ac.getAuthorizationID());
                    }
                } else {
                    throw new UnsupportedCallbackException(cb);
                }
            }
        });
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.US_ASCII));
        System.out.println("CHALLENGE " + hex.formatHex(server.evaluateResponse(new byte[0])));
        System.out.flush();
        String line;
        while ((line = in.readLine()) != null) {
            String[] parts = line.split(" ", 2);
            byte[] arg = parts.length > 1 ? hex.parseHex(parts[1]) : new byte[0];
            try {
                switch (parts[0]) {
                    case "RESPONSE": {
                        byte[] fin = server.evaluateResponse(arg);
                        System.out.println("OK " + hex.formatHex(fin) + " " + server.isComplete()
                                + " " + server.getNegotiatedProperty(Sasl.QOP)
                                + " " + server.getNegotiatedProperty(Sasl.RAW_SEND_SIZE));
                        break;
                    }
                    case "WRAP":
                        System.out.println("OK " + hex.formatHex(server.wrap(arg, 0, arg.length)));
                        break;
                    case "UNWRAP":
                        System.out.println("OK " + hex.formatHex(server.unwrap(arg, 0, arg.length)));
                        break;
                    case "QUIT":
                        return;
                    default:
                        System.out.println("ERR unknown command " + parts[0]);
                }
            } catch (Exception e) {
                System.out.println("ERR " + e.toString().replace('\n', ' '));
            }
            System.out.flush();
        }
    }
}
