//! A sealed envelope as the server receives it: parsing, peeking and verifying never panic; and a
//! body that parses, once signed, verifies to the same body (or, of another version than the
//! envelope's, is refused as such).
#![no_main]

use std::sync::OnceLock;

use fieldvisit_core::crypto::DeviceSigningKey;
use fieldvisit_core::protocol::{EnvelopeBody, ProtocolError, SealedEnvelope};
use libfuzzer_sys::fuzz_target;

fn key() -> &'static DeviceSigningKey {
    static KEY: OnceLock<DeviceSigningKey> = OnceLock::new();
    KEY.get_or_init(|| DeviceSigningKey::generate().expect("a signing key"))
}

fuzz_target!(|data: &[u8]| {
    let key = key();
    if let Ok(envelope) = SealedEnvelope::from_json(data) {
        let _ = envelope.peek_body();
        let _ = envelope.verify(&key.public_key());
    }
    if let Ok(body) = serde_json::from_slice::<EnvelopeBody>(data)
        && let Ok((sealed, hash)) = SealedEnvelope::sign(&body, key)
    {
        let again = SealedEnvelope::from_json(&sealed.to_json()).expect("its own JSON parses");
        match again.verify(&key.public_key()) {
            Ok(verified) => {
                assert_eq!(verified.hash, hash);
                assert_eq!(verified.body, body);
            }
            // The envelope carries this build's version; a body of another is refused.
            Err(ProtocolError::VersionMismatch { outer, inner }) => {
                assert_eq!((outer, inner), (sealed.version, body.version));
                assert_ne!(outer, inner);
            }
            Err(e) => panic!("a body this key signed does not verify: {e:?}"),
        }
    }
});
