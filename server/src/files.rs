//! Files and folders only the server's user may read: the data folder, the database, photos,
//! key files and backups. One place, so every writer of such a file gets the same modes.

use std::path::Path;

use fieldvisit_core::crypto::Sha256Hash;

/// Makes a folder, or tightens an existing one, so only its owner can enter it (0700): what is
/// inside is then out of other local users' reach whatever mode the files get.
pub fn private_dir(dir: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir)?.permissions().mode();
        if mode & 0o077 != 0 {
            std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))?;
        }
    }
    Ok(())
}

/// Makes a file readable and writable by its owner only (0600).
pub fn owner_only(file: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(file, std::fs::Permissions::from_mode(0o600))?;
    }
    #[cfg(not(unix))]
    let _ = file;
    Ok(())
}

/// Writes a new owner-only file and syncs it; an existing file is not replaced
/// (`AlreadyExists`).
pub fn write_new_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut f = options.open(path)?;
    f.write_all(bytes)?;
    f.sync_all()
}

/// Reads a 32-byte key kept in a file as 64 hex digits, making the file (owner-only) with a fresh
/// random key when it does not exist. Several processes may race to make it: all read the one
/// that won. The error says what is wrong with the file, never the key.
pub fn load_or_create_key(path: &Path) -> Result<[u8; 32], String> {
    use ring::rand::SecureRandom;
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| e.to_string())?;
    }
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let mut key = [0u8; 32];
            ring::rand::SystemRandom::new()
                .fill(&mut key)
                .map_err(|_| "the system random source failed".to_owned())?;
            match write_new_private(path, hex::encode(key).as_bytes()) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
                Err(e) => return Err(e.to_string()),
            }
            std::fs::read_to_string(path).map_err(|e| e.to_string())?
        }
        Err(e) => return Err(e.to_string()),
    };
    hex::decode(text.trim())
        .ok()
        .and_then(|b| <[u8; 32]>::try_from(b).ok())
        .ok_or_else(|| "it must hold 64 hexadecimal digits".to_owned())
}

/// The length and SHA-256 of a file, read in pieces (a photo is never held whole).
pub fn sha256_of(path: &Path) -> std::io::Result<(u64, Sha256Hash)> {
    use std::io::Read;
    let mut f = std::fs::File::open(path)?;
    let mut ctx = ring::digest::Context::new(&ring::digest::SHA256);
    let mut buf = vec![0u8; 256 * 1024];
    let mut len = 0u64;
    loop {
        let n = f.read(&mut buf)?;
        if n == 0 {
            break;
        }
        len += n as u64;
        ctx.update(&buf[..n]);
    }
    let mut out = [0u8; 32];
    out.copy_from_slice(ctx.finish().as_ref());
    Ok((len, Sha256Hash(out)))
}

#[cfg(all(test, unix))]
#[allow(clippy::unwrap_used)]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use super::*;

    fn mode(p: &Path) -> u32 {
        std::fs::metadata(p).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn folders_are_made_or_tightened_to_the_owner_only() {
        let tmp = tempfile::tempdir().unwrap();
        let fresh = tmp.path().join("a/b");
        private_dir(&fresh).unwrap();
        assert_eq!(mode(&fresh), 0o700);
        let open = tmp.path().join("open");
        std::fs::create_dir(&open).unwrap();
        std::fs::set_permissions(&open, std::fs::Permissions::from_mode(0o755)).unwrap();
        private_dir(&open).unwrap();
        assert_eq!(mode(&open), 0o700);
    }

    #[test]
    fn new_private_files_are_not_replaced_and_hash_as_a_stream() {
        let tmp = tempfile::tempdir().unwrap();
        let f = tmp.path().join("k");
        write_new_private(&f, b"abc").unwrap();
        assert_eq!(mode(&f), 0o600);
        let again = write_new_private(&f, b"other").unwrap_err();
        assert_eq!(again.kind(), std::io::ErrorKind::AlreadyExists);
        let (len, hash) = sha256_of(&f).unwrap();
        assert_eq!((len, hash), (3, fieldvisit_core::crypto::sha256(b"abc")));
    }
}
