//! RFC 9180 Appendix A.2.1 test vector (base mode, DHKEM(X25519, HKDF-SHA256), HKDF-SHA256,
//! ChaCha20Poly1305): exactly the suite used to wrap content keys.

#![allow(clippy::unwrap_used)]

use std::convert::Infallible;

use hpke::aead::ChaCha20Poly1305;
use hpke::kdf::HkdfSha256;
use hpke::kem::X25519HkdfSha256;
use hpke::rand_core::{TryCryptoRng, TryRng};
use hpke::{Deserializable, Kem, OpModeR, OpModeS, Serializable};

use super::{AudiencePrivateKey, ContentKey};

const INFO: &str = "4f6465206f6e2061204772656369616e2055726e";
const IKM_E: &str = "909a9b35d3dc4713a5e72a4da274b55d3d3821a37e5d099e74a647db583a904b";
const IKM_R: &str = "1ac01f181fdf9f352797655161c58b75c656a6cc2716dcb66372da835542e1df";
const SK_RM: &str = "8057991eef8f1f1af18f4a9491d16a1ce333f695d4db8e38da75975c4478e0fb";
const PK_RM: &str = "4310ee97d88cc1f088a5576c77ab0cf5c3ac797f3d95139c6c84b5429c59662a";
const ENC: &str = "1afa08d3dec047a643885163f1180476fa7ddb54c6a8029ea33f95796bf2ac4a";
const PT: &str = "4265617574792069732074727574682c20747275746820626561757479";
/// (aad, ciphertext) for sequence numbers 0 and 1.
const ENCRYPTIONS: [(&str, &str); 2] = [
    (
        "436f756e742d30",
        "1c5250d8034ec2b784ba2cfd69dbdb8af406cfe3ff938e131f0def8c8b60b4db21993c62ce81883d2dd1b51a28",
    ),
    (
        "436f756e742d31",
        "6b53c051e4199c518de79594e1c4ab18b96f081549d45ce015be002090bb119e85285337cc95ba5f59992dc98c",
    ),
];
/// (exporter context, 32-byte exported value).
const EXPORTS: [(&str, &str); 3] = [
    (
        "",
        "4bbd6243b8bb54cec311fac9df81841b6fd61f56538a775e7c80a9f40160606e",
    ),
    (
        "00",
        "8c1df14732580e5501b00f82b10a1647b40713191b7c1240ac80e2b68808ba69",
    ),
    (
        "54657374436f6e74657874",
        "5acb09211139c43b3090489a9da433e8a30ee7188ba8b0a9a1ccf0c229283e53",
    ),
];

type K = X25519HkdfSha256;
type F = HkdfSha256;
type A = ChaCha20Poly1305;

fn h(s: &str) -> Vec<u8> {
    hex::decode(s).unwrap()
}

/// Hands out the vector's ikmE so that the sender's ephemeral key is the published one.
struct FixedIkm(Vec<u8>);

impl TryRng for FixedIkm {
    type Error = Infallible;
    fn try_next_u32(&mut self) -> Result<u32, Infallible> {
        hpke::rand_core::utils::next_word_via_fill(self)
    }
    fn try_next_u64(&mut self) -> Result<u64, Infallible> {
        hpke::rand_core::utils::next_word_via_fill(self)
    }
    fn try_fill_bytes(&mut self, dest: &mut [u8]) -> Result<(), Infallible> {
        assert!(dest.len() <= self.0.len(), "vector randomness exhausted");
        let rest = self.0.split_off(dest.len());
        dest.copy_from_slice(&self.0);
        self.0 = rest;
        Ok(())
    }
}
impl TryCryptoRng for FixedIkm {}

#[test]
fn derive_keypair_matches_vector() {
    let (sk, pk) = K::derive_keypair(&h(IKM_R));
    // The crate keeps the scalar clamped (RFC 7748 §5); the vector prints it unclamped.
    let mut clamped = h(SK_RM);
    clamped[0] &= 248;
    clamped[31] &= 127;
    clamped[31] |= 64;
    assert_eq!(sk.to_bytes().as_slice(), clamped);
    assert_eq!(pk.to_bytes().as_slice(), h(PK_RM));
    // Our wrapper type parses the same key and derives the same public key.
    let ours = AudiencePrivateKey::from_bytes(&h(SK_RM)).unwrap();
    assert_eq!(ours.public_key().to_bytes(), h(PK_RM));
}

#[test]
fn sender_reproduces_enc_and_ciphertexts() {
    let pk = <K as Kem>::PublicKey::from_bytes(&h(PK_RM)).unwrap();
    let mut rng = FixedIkm(h(IKM_E));
    let (enc, mut ctx) =
        hpke::setup_sender_with_rng::<A, F, K>(&OpModeS::Base, &pk, &h(INFO), &mut rng).unwrap();
    assert_eq!(enc.to_bytes().as_slice(), h(ENC));
    for (aad, ct) in ENCRYPTIONS {
        assert_eq!(ctx.seal(&h(PT), &h(aad)).unwrap(), h(ct));
    }
}

#[test]
fn receiver_opens_ciphertexts_and_exports() {
    let sk = <K as Kem>::PrivateKey::from_bytes(&h(SK_RM)).unwrap();
    let enc = <K as Kem>::EncappedKey::from_bytes(&h(ENC)).unwrap();
    let mut ctx = hpke::setup_receiver::<A, F, K>(&OpModeR::Base, &sk, &enc, &h(INFO)).unwrap();
    for (aad, ct) in ENCRYPTIONS {
        assert_eq!(ctx.open(&h(ct), &h(aad)).unwrap(), h(PT));
    }
    for (context, value) in EXPORTS {
        let mut out = [0u8; 32];
        ctx.export(&h(context), &mut out).unwrap();
        assert_eq!(out.as_slice(), h(value));
    }
}

#[test]
fn our_wrapping_uses_the_vector_suite() {
    // A key wrapped by our code opens with the raw suite of the vector, proving the suite matches.
    let sk = AudiencePrivateKey::from_bytes(&h(SK_RM)).unwrap();
    let key = ContentKey::generate().unwrap();
    let wrapped = sk.public_key().wrap(&key, b"visit").unwrap();
    let raw_sk = <K as Kem>::PrivateKey::from_bytes(&h(SK_RM)).unwrap();
    let enc = <K as Kem>::EncappedKey::from_bytes(&wrapped.enc).unwrap();
    let opened = hpke::single_shot_open::<A, F, K>(
        &OpModeR::Base,
        &raw_sk,
        &enc,
        super::HPKE_INFO,
        &wrapped.sealed_key,
        b"visit",
    )
    .unwrap();
    assert_eq!(opened.as_slice(), key.as_bytes());
}
