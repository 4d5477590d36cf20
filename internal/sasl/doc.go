// Package sasl implements the client side of the SASL mechanisms Hadoop
// uses: DIGEST-MD5 (RFC 2831) for TOKEN authentication, and GSSAPI with
// Kerberos V5 (RFC 4752, on github.com/jcmturner/gokrb5/v8) for KERBEROS
// authentication, each with the integrity ("auth-int") and privacy
// ("auth-conf") security layers. GSSAPI's per-message protection uses
// RFC 4121 Wrap tokens (AES enctypes); see GSSAPI.
//
// A Hadoop token maps onto DIGEST-MD5 as follows: the username is the
// standard Base64 encoding of the token identifier, the password is the
// standard Base64 encoding of the token password, the protocol is "" and the
// server ID is "default" (from the server's SaslAuth), which gives the
// digest-uri "/default". There is no authorization id.
//
// Use one DigestMD5 per authentication:
//
//	d := sasl.NewDigestMD5(user, pass, "", "default")
//	d.SetQOPs("auth-conf", "auth-int", "auth") // optional restriction
//	resp, err := d.Respond(challenge)          // send resp in the INITIATE message
//	err = d.Verify(serverFinal)                // the token of the SUCCESS message
//	if d.QOP() != "auth" {
//		wrapped, err := d.Wrap(packet)     // outgoing bytes
//		plain, err := d.Unwrap(token)      // incoming bytes
//	}
//
// Quality of protection: the strongest qop offered by the server and allowed
// by SetQOPs is chosen, in the order auth-conf, auth-int, auth. For auth-conf
// the cipher preference is rc4, 3des, des, rc4-56, rc4-40 (all five ciphers
// of RFC 2831 are implemented); if the server offers auth-conf but none of
// these ciphers, auth-conf is skipped.
//
// Security layer: each Wrap call produces one RFC 2831 protected message
// without the 4-byte length prefix the RFC describes for stream protocols
// (Hadoop carries the message in RpcSaslProto.token instead). Send and receive
// sequence numbers start at 0 and are independent. RC4 keystreams and DES
// CBC chaining continue from one message to the next in each direction, so
// messages must be unwrapped in the order they were wrapped. Any Unwrap
// failure (bad MAC, wrong sequence number, malformed message) is permanent:
// the receive direction refuses every later message, and the caller should
// drop the connection.
//
// The RFC's maxbuf: the response always advertises maxbuf=65536, but Unwrap
// accepts messages of any size because Hadoop servers wrap each RPC response
// in a single message. Callers that send large payloads should split them
// into pieces of at most MaxWrapSize bytes, as Hadoop's own client does.
package sasl
