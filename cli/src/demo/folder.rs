//! The demo's own file in the data folder (`demo.json`): the day the demo county was made, its size,
//! and the generated passwords and passphrases, so that a second run finds and reuses everything.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::DemoError;

/// File name inside the data folder.
pub const FILE: &str = "demo.json";
const VERSION: u32 = 1;

/// What a demo folder remembers.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct DemoFile {
    /// Format version.
    pub version: u32,
    /// The local day the demo county was made; visit dates are planned back from it.
    pub anchor: NaiveDate,
    /// Number of households.
    pub households: usize,
    /// Password per login.
    pub passwords: BTreeMap<String, String>,
    /// Passphrase per audience key.
    pub passphrases: BTreeMap<String, String>,
}

/// A random secret of `prefix` and 16 hex digits (64 bits from the system's random source).
pub fn secret(prefix: &str) -> Result<String, DemoError> {
    let mut b = [0u8; 8];
    fieldvisit_core::crypto::random_bytes(&mut b).map_err(|e| DemoError::Random(e.to_string()))?;
    Ok(format!("{prefix}-{}", hex::encode(b)))
}

fn file_of(data: &Path) -> PathBuf {
    data.join(FILE)
}

/// Reads the folder's demo file; `None` for a new or empty folder. A folder that holds a server
/// database but no demo file is refused, so the demo never mixes its data into a real server's.
pub fn load(data: &Path) -> Result<Option<DemoFile>, DemoError> {
    let path = file_of(data);
    match std::fs::read(&path) {
        Ok(bytes) => {
            let file: DemoFile = serde_json::from_slice(&bytes)
                .map_err(|e| DemoError::BadDemoFile(path.clone(), e.to_string()))?;
            if file.version != VERSION {
                return Err(DemoError::BadDemoFile(
                    path,
                    format!("version {} (this program reads {VERSION})", file.version),
                ));
            }
            Ok(Some(file))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            if data.join("fieldvisit.db").exists() {
                return Err(DemoError::NotADemo(data.to_path_buf()));
            }
            Ok(None)
        }
        Err(e) => Err(DemoError::Io(path, e)),
    }
}

/// Makes the demo file of a new folder: passwords for every login, passphrases for every audience.
pub fn create(
    data: &Path,
    anchor: NaiveDate,
    households: usize,
    logins: &[String],
    audiences: &[&str],
) -> Result<DemoFile, DemoError> {
    let mut passwords = BTreeMap::new();
    for login in logins {
        passwords.insert(login.clone(), secret("demo")?);
    }
    let mut passphrases = BTreeMap::new();
    for audience in audiences {
        passphrases.insert((*audience).to_owned(), secret("demo-key")?);
    }
    let file = DemoFile {
        version: VERSION,
        anchor,
        households,
        passwords,
        passphrases,
    };
    std::fs::create_dir_all(data).map_err(|e| DemoError::Io(data.to_path_buf(), e))?;
    let json = serde_json::to_vec_pretty(&file)
        .map_err(|e| DemoError::BadDemoFile(file_of(data), e.to_string()))?;
    write_private(&file_of(data), &json)?;
    Ok(file)
}

/// Writes a new file readable by its owner only (it holds passwords or keys).
pub fn write_private(path: &Path, bytes: &[u8]) -> Result<(), DemoError> {
    fieldvisit_server::files::write_new_private(path, bytes)
        .map_err(|e| DemoError::Io(path.to_path_buf(), e))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn new_folder_gets_a_file_that_loads_back_and_a_server_folder_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(load(dir.path()).unwrap(), None);
        let day = NaiveDate::from_ymd_opt(2026, 11, 29).unwrap();
        let made = create(dir.path(), day, 30, &["admin".into()], &["child-welfare"]).unwrap();
        assert!(made.passwords["admin"].len() >= 10);
        assert!(made.passphrases["child-welfare"].len() >= 12);
        assert_eq!(load(dir.path()).unwrap(), Some(made));
        assert!(matches!(
            create(dir.path(), day, 30, &[], &[]),
            Err(DemoError::Io(..))
        ));

        let server = tempfile::tempdir().unwrap();
        std::fs::write(server.path().join("fieldvisit.db"), b"").unwrap();
        assert!(matches!(load(server.path()), Err(DemoError::NotADemo(_))));
    }
}
