//! Column encryption. Plaintext and ciphertext are different types, so a plaintext cannot be
//! written to a column by mistake: columns take [`Encrypted`], which only [`RowCipher::seal`] makes.

use zeroize::Zeroizing;

use super::StoreError;
use crate::crypto::DataKey;

/// Version tag inside the associated data; bumping it invalidates old ciphertexts on purpose.
const AAD_VERSION: &str = "v1";

/// Bytes sealed by the store cipher, ready for a BLOB column.
#[derive(Clone, PartialEq, Eq)]
pub struct Encrypted(Vec<u8>);

impl std::fmt::Debug for Encrypted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Encrypted({} bytes)", self.0.len())
    }
}

impl Encrypted {
    /// Wraps a BLOB read from the database.
    pub fn from_db(bytes: Vec<u8>) -> Self {
        Encrypted(bytes)
    }

    /// The bytes to store.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }
}

/// Seals and opens column values with associated data `table|column|row|version`.
pub struct RowCipher {
    key: DataKey,
}

impl std::fmt::Debug for RowCipher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RowCipher(<redacted>)")
    }
}

fn aad(table: &str, column: &str, row: &str) -> Vec<u8> {
    format!("{table}|{column}|{row}|{AAD_VERSION}").into_bytes()
}

impl RowCipher {
    pub(crate) fn new(key: DataKey) -> Self {
        RowCipher { key }
    }

    /// Encrypts a value for one table, column and row.
    pub fn seal(
        &self,
        table: &str,
        column: &str,
        row: &str,
        plaintext: &[u8],
    ) -> Result<Encrypted, StoreError> {
        Ok(Encrypted(
            self.key.seal(plaintext, &aad(table, column, row))?,
        ))
    }

    /// Decrypts a value of one table, column and row.
    pub fn open(
        &self,
        table: &str,
        column: &str,
        row: &str,
        value: &Encrypted,
    ) -> Result<Zeroizing<Vec<u8>>, StoreError> {
        self.key
            .open(&value.0, &aad(table, column, row))
            .map_err(|_| StoreError::Corrupt("a stored value failed authentication"))
    }

    /// Encrypts a value serialized as JSON.
    pub fn seal_json<T: serde::Serialize>(
        &self,
        table: &str,
        column: &str,
        row: &str,
        value: &T,
    ) -> Result<Encrypted, StoreError> {
        let json = Zeroizing::new(
            serde_json::to_vec(value)
                .map_err(|_| StoreError::Corrupt("a value could not be encoded"))?,
        );
        self.seal(table, column, row, &json)
    }

    /// Decrypts and parses a JSON value.
    pub fn open_json<T: serde::de::DeserializeOwned>(
        &self,
        table: &str,
        column: &str,
        row: &str,
        value: &Encrypted,
    ) -> Result<T, StoreError> {
        let clear = self.open(table, column, row, value)?;
        serde_json::from_slice(&clear)
            .map_err(|_| StoreError::Corrupt("a stored value could not be decoded"))
    }
}
