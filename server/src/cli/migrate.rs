//! `migrate --to-database … [--to-blobs …]`: moves one machine's data folder (SQLite and
//! photos) to PostgreSQL and, when asked, an S3-compatible bucket, for running several servers
//! (docs/deploy.md). The server must be stopped while it runs: what it writes meanwhile is not
//! carried over.

use std::process::ExitCode;

use fieldvisit_core::crypto::Sha256Hash;

use crate::backends::{Backends, Blobs, Database};
use crate::blob::{BlobKey, BlobStore, FolderBlobStore, S3Options};
use crate::config::Config;
use crate::store::postgres::{PgStore, left_out};
use crate::store::sqlite::SqliteStore;

/// Where `migrate` writes.
#[derive(Debug, Clone, clap::Args)]
pub struct MigrateArgs {
    /// The PostgreSQL database to fill, `postgres://user:password@host:port/db`; it must hold
    /// no data yet.
    #[arg(long, env = "FIELDVISIT_TO_DATABASE_URL", hide_env_values = true)]
    pub to_database: String,
    /// Photo storage to copy the photos to, `s3://bucket/prefix` (default: they stay in the
    /// data folder's blobs folder).
    #[arg(long)]
    pub to_blobs: Option<String>,
    /// Endpoint of the S3-compatible service of `--to-blobs`.
    #[arg(long)]
    pub to_s3_endpoint: Option<String>,
    /// S3 region of `--to-blobs`.
    #[arg(long)]
    pub to_s3_region: Option<String>,
}

/// What a migration moved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Migrated {
    /// Rows per table.
    pub tables: Vec<(&'static str, u64)>,
    /// Photos copied, each hash checked (0 when the photos stay in the folder).
    pub photos: u64,
}

/// Copies every finished photo the SQLite file lists from `from` to `to`, checking each against
/// its recorded SHA-256 before it is committed there.
async fn copy_photos(
    db: &std::path::Path,
    from: &dyn BlobStore,
    to: &dyn BlobStore,
) -> Result<u64, String> {
    let list: Vec<(String, String, String)> = {
        let c =
            rusqlite::Connection::open_with_flags(db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
                .map_err(|e| format!("reading the photo list: {e}"))?;
        let mut st = c
            .prepare("SELECT visit_id, photo_id, sha256 FROM photos WHERE complete = 1")
            .map_err(|e| format!("reading the photo list: {e}"))?;
        st.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .and_then(|rows| rows.collect())
            .map_err(|e| format!("reading the photo list: {e}"))?
    };
    let mut copied = 0;
    for (visit, photo, hex) in list {
        let key = BlobKey::photo(&visit, &photo)
            .ok_or_else(|| format!("photo {visit}/{photo}: not a valid key"))?;
        let bytes = from
            .get(&key)
            .await
            .map_err(|e| format!("photo {visit}/{photo}: {e}"))?
            .ok_or_else(|| format!("photo {visit}/{photo} is recorded but not in the folder"))?;
        to.append(&key, 0, &bytes)
            .await
            .map_err(|e| format!("photo {visit}/{photo}: {e}"))?;
        let got = to
            .partial_sha256(&key)
            .await
            .map_err(|e| format!("photo {visit}/{photo}: {e}"))?;
        if Sha256Hash::from_hex(&hex) != Some(got) {
            to.discard(&key).await.ok();
            return Err(format!(
                "photo {visit}/{photo}: the copy does not match its recorded hash"
            ));
        }
        to.commit(&key)
            .await
            .map_err(|e| format!("photo {visit}/{photo}: {e}"))?;
        copied += 1;
    }
    Ok(copied)
}

/// Checks the rows written against the source's own counts.
fn verify_counts(db: &std::path::Path, copied: &[(&'static str, u64)]) -> Result<(), String> {
    let c = rusqlite::Connection::open_with_flags(db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
        .map_err(|e| format!("reading counts: {e}"))?;
    for (table, rows) in copied {
        let held: u64 = c
            .query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))
            .map_err(|e| format!("counting {table}: {e}"))?;
        if held != *rows {
            return Err(format!(
                "table {table}: {held} rows in SQLite, {rows} copied"
            ));
        }
    }
    Ok(())
}

/// The targets `args` name.
pub fn targets(args: &MigrateArgs) -> Result<Backends, String> {
    let target = Backends::parse(
        Some(&args.to_database),
        args.to_blobs.as_deref(),
        S3Options {
            endpoint: args.to_s3_endpoint.clone(),
            region: args.to_s3_region.clone(),
            credentials: None,
        },
    )
    .map_err(|e| e.to_string())?;
    if !matches!(target.database, Database::Postgres(_)) {
        return Err("--to-database must be a postgres:// URL".into());
    }
    Ok(target)
}

/// Moves the data folder of `config` (which must use the embedded defaults) to `target`: the
/// records to its PostgreSQL database, the photos to its bucket when it names one.
pub async fn migrate(config: &Config, target: &Backends) -> Result<Migrated, String> {
    if config.backends != Backends::default() {
        return Err(
            "migrate reads the data folder (SQLite and photos); leave --database and --blobs unset"
                .into(),
        );
    }
    let db = config.db_path();
    if !db.exists() {
        return Err(format!("no database at {}", db.display()));
    }
    // Brings the file to the current schema, which is what the copy reads.
    drop(SqliteStore::open(&db).map_err(|e| e.to_string())?);
    let Database::Postgres(url) = &target.database else {
        return Err("the target database must be PostgreSQL".into());
    };
    let store = PgStore::connect(url, &config.postgres)
        .await
        .map_err(|e| e.to_string())?;
    let copied = store.import_sqlite(&db).await.map_err(|e| e.to_string())?;
    verify_counts(&db, &copied.tables)?;
    let key = crate::audit::AuditKey::load_or_create(&config.audit_key_path())
        .map_err(|e| e.to_string())?;
    let checkpoints = crate::audit::CheckpointFile::new(&config.audit_checkpoints_path())
        .read()
        .map_err(|e| format!("audit checkpoints: {e}"))?;
    match crate::audit::verify_with(&store, &key, &checkpoints)
        .await
        .map_err(|e| e.to_string())?
    {
        crate::audit::Verification::Intact { .. } => {}
        broken => {
            return Err(format!(
                "the copied audit chain does not verify: {broken:?}"
            ));
        }
    }
    let photos = match &target.blobs {
        Blobs::DataFolder => 0,
        Blobs::S3(..) => {
            let from = FolderBlobStore::new(&config.blob_dir()).map_err(|e| e.to_string())?;
            let to = target.open_blobs(config).map_err(|e| e.to_string())?;
            copy_photos(&db, &from, to.as_ref()).await?
        }
    };
    Ok(Migrated {
        tables: copied.tables,
        photos,
    })
}

/// Runs `migrate` and prints what moved.
pub async fn run(config: &Config, args: &MigrateArgs) -> Result<ExitCode, String> {
    let m = migrate(config, &targets(args)?).await?;
    for (table, rows) in &m.tables {
        println!("{table:<22} {rows:>10} rows");
    }
    for (table, why) in left_out() {
        println!("{table:<22} {:>10}  ({why})", "-");
    }
    if args.to_blobs.is_some() {
        println!("photos {:>26} copied, each hash checked", m.photos);
    } else {
        println!("photos stay in {}", config.blob_dir().display());
    }
    Ok(ExitCode::SUCCESS)
}
