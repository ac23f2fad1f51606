//! Checkpoints of the audit chain kept outside the database: a file of `seq link time` lines, one
//! written whenever the head has moved. A chain cut short still links, but no longer holds the
//! entries a checkpoint names, so verification notices. The file is appended to only; several
//! processes may share it (each line is one small append).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use chrono::{DateTime, Utc};
use fieldvisit_core::crypto::Sha256Hash;

/// The head of the chain at one moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Checkpoint {
    /// The entry's sequence number.
    pub seq: u64,
    /// Its link.
    pub link: Sha256Hash,
}

/// The checkpoint file of this server.
#[derive(Debug)]
pub struct CheckpointFile {
    path: PathBuf,
    /// The newest sequence number this process wrote, so an unmoved head is not written again.
    last: Mutex<u64>,
}

impl CheckpointFile {
    /// The file at `path` (made on the first checkpoint).
    pub fn new(path: &Path) -> Self {
        CheckpointFile {
            path: path.to_owned(),
            last: Mutex::new(0),
        }
    }

    /// Appends the head `(seq, link)` unless this process already wrote it or a later one.
    pub fn note(&self, head: (u64, Sha256Hash)) -> std::io::Result<Option<Checkpoint>> {
        self.note_at(head, Utc::now())
    }

    fn note_at(
        &self,
        (seq, link): (u64, Sha256Hash),
        at: DateTime<Utc>,
    ) -> std::io::Result<Option<Checkpoint>> {
        let mut last = self
            .last
            .lock()
            .map_err(|_| std::io::Error::other("checkpoint lock poisoned"))?;
        if seq <= *last {
            return Ok(None);
        }
        if let Some(dir) = self.path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)?;
        }
        let mut options = std::fs::OpenOptions::new();
        options.append(true).create(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let line = format!(
            "{seq} {} {}\n",
            link.to_hex(),
            at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
        );
        options.open(&self.path)?.write_all(line.as_bytes())?;
        *last = seq;
        Ok(Some(Checkpoint { seq, link }))
    }

    /// Every checkpoint in the file (none when there is no file yet).
    pub fn read(&self) -> std::io::Result<Vec<Checkpoint>> {
        let text = match std::fs::read_to_string(&self.path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(e),
        };
        text.lines()
            .enumerate()
            .filter(|(_, l)| !l.trim().is_empty())
            .map(|(i, line)| {
                let mut parts = line.split_whitespace();
                let seq = parts.next().and_then(|s| s.parse().ok());
                let link = parts.next().and_then(Sha256Hash::from_hex);
                match (seq, link) {
                    (Some(seq), Some(link)) => Ok(Checkpoint { seq, link }),
                    _ => Err(std::io::Error::new(
                        std::io::ErrorKind::InvalidData,
                        format!(
                            "line {} of {} is not a checkpoint",
                            i + 1,
                            self.path.display()
                        ),
                    )),
                }
            })
            .collect()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn a_moved_head_is_written_once_and_read_back() {
        let tmp = tempfile::tempdir().unwrap();
        let file = CheckpointFile::new(&tmp.path().join("audit-checkpoints"));
        assert!(file.read().unwrap().is_empty());
        let h = |n: u8| Sha256Hash([n; 32]);
        assert!(file.note((3, h(3))).unwrap().is_some());
        assert!(file.note((3, h(3))).unwrap().is_none());
        assert!(file.note((2, h(2))).unwrap().is_none());
        assert!(file.note((5, h(5))).unwrap().is_some());
        assert_eq!(
            file.read().unwrap(),
            vec![
                Checkpoint { seq: 3, link: h(3) },
                Checkpoint { seq: 5, link: h(5) }
            ]
        );
        // Another process sharing the file appends to it; nothing is overwritten.
        let other = CheckpointFile::new(&tmp.path().join("audit-checkpoints"));
        other.note((6, h(6))).unwrap();
        assert_eq!(file.read().unwrap().len(), 3);
    }

    #[test]
    fn a_damaged_line_is_named() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("audit-checkpoints");
        std::fs::write(&path, "1 00\n").unwrap();
        let e = CheckpointFile::new(&path).read().unwrap_err();
        assert!(e.to_string().contains("line 1"), "{e}");
    }
}
