//! `--database` and `--blobs`: the storage backends, for `serve` and the admin subcommands alike.

use crate::backends::Backends;
use crate::blob::S3Options;

/// Backend options; global, so they may come before or after the subcommand.
#[derive(Debug, Clone, clap::Args)]
pub struct BackendArgs {
    /// Database URL, `postgres://user:password@host:port/db` (default: SQLite in the data folder).
    #[arg(
        long = "database",
        env = "FIELDVISIT_DATABASE_URL",
        global = true,
        hide_env_values = true
    )]
    pub database: Option<String>,
    /// Photo storage, `s3://bucket/prefix` (default: the blobs folder in the data folder).
    /// Credentials come from AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or the other usual AWS
    /// sources).
    #[arg(long, env = "FIELDVISIT_BLOBS", global = true)]
    pub blobs: Option<String>,
    /// Endpoint of an S3-compatible service, e.g. `http://minio:9000` (default: AWS_ENDPOINT_URL,
    /// else AWS S3).
    #[arg(long, global = true)]
    pub s3_endpoint: Option<String>,
    /// S3 region (default: AWS_REGION or AWS_DEFAULT_REGION, else us-east-1).
    #[arg(long, global = true)]
    pub s3_region: Option<String>,
}

impl BackendArgs {
    /// The backends these options name.
    pub fn backends(&self) -> Result<Backends, String> {
        Backends::parse(
            self.database.as_deref(),
            self.blobs.as_deref(),
            S3Options {
                endpoint: self.s3_endpoint.clone(),
                region: self.s3_region.clone(),
                credentials: None,
            },
        )
        .map_err(|e| e.to_string())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use clap::Parser;

    use super::super::{Cli, Command, admin};
    use crate::backends::{Blobs, Database};
    use crate::testenv;

    #[test]
    fn backend_flags_parse_before_or_after_the_subcommand() {
        let cli = Cli::try_parse_from([
            "fieldvisit-server",
            "--database",
            "postgres://fv@db/fv",
            "serve",
            "--blobs",
            "s3://photos/prod",
            "--s3-endpoint",
            "http://minio:9000",
        ])
        .unwrap();
        let b = cli.global.backends.backends().unwrap();
        assert_eq!(b.database, Database::Postgres("postgres://fv@db/fv".into()));
        let Blobs::S3(location, options) = b.blobs else {
            panic!("not s3")
        };
        assert_eq!(
            (location.bucket.as_str(), location.prefix.as_str()),
            ("photos", "prod")
        );
        assert_eq!(options.endpoint.as_deref(), Some("http://minio:9000"));
        assert!(matches!(cli.command, Command::Serve(_)));
        let bad = Cli::try_parse_from(["fieldvisit-server", "--blobs", "/srv", "audit", "verify"])
            .unwrap();
        assert!(bad.global.backends.backends().is_err());
    }

    #[tokio::test]
    async fn admin_commands_write_to_the_configured_postgres() {
        let Some(url) = testenv::backend("FIELDVISIT_TEST_PG") else {
            return;
        };
        let schema = testenv::unique_name("fv_cli");
        let base: tokio_postgres::Config = url.parse().unwrap();
        let (admin_db, conn) = base.connect(tokio_postgres::NoTls).await.unwrap();
        tokio::spawn(conn);
        admin_db
            .batch_execute(&format!("CREATE SCHEMA \"{schema}\""))
            .await
            .unwrap();
        // The schema goes in the URL as a connection option, as a deployment could set it.
        let sep = if url.contains('?') { '&' } else { '?' };
        let scoped = format!("{url}{sep}options=-c%20search_path%3D{schema}");
        let data = tempfile::tempdir().unwrap();
        let cli = Cli::try_parse_from([
            "fieldvisit-server",
            "--database",
            &scoped,
            "org",
            "add",
            "--id",
            "gd",
            "--level",
            "province",
            "--name",
            "广东省",
        ])
        .unwrap();
        let backends = cli.global.backends.backends().unwrap();
        let mut config = crate::config::Config::new(data.path().to_path_buf());
        config.backends = backends.clone();
        let code = admin::run(config, cli.command).await.unwrap();
        assert_eq!(code, std::process::ExitCode::SUCCESS);
        // Stored in PostgreSQL (with its audit entry), not in a SQLite file in the data folder.
        assert!(!data.path().join("fieldvisit.db").exists());
        let n: i64 = admin_db
            .query_one(&format!("SELECT COUNT(*) FROM \"{schema}\".org_units"), &[])
            .await
            .unwrap()
            .get(0);
        assert_eq!(n, 1);
        let audit: i64 = admin_db
            .query_one(&format!("SELECT COUNT(*) FROM \"{schema}\".audit_log"), &[])
            .await
            .unwrap()
            .get(0);
        assert_eq!(audit, 1);
        admin_db
            .batch_execute(&format!("DROP SCHEMA \"{schema}\" CASCADE"))
            .await
            .unwrap();
    }
}
