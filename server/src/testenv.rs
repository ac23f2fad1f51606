//! Where tests find external backends (PostgreSQL, S3-compatible storage): environment variables
//! set by `scripts/test-all.sh`. Without them a backend test is skipped with a note, unless
//! `FIELDVISIT_REQUIRE_BACKENDS=1` says the backends must be there (CI), when it fails.

/// The value of `var`, or `None` when the test should be skipped.
pub(crate) fn backend(var: &str) -> Option<String> {
    match std::env::var(var) {
        Ok(v) if !v.trim().is_empty() => Some(v),
        _ => {
            let required = std::env::var("FIELDVISIT_REQUIRE_BACKENDS").is_ok_and(|v| v == "1");
            assert!(
                !required,
                "{var} is not set but FIELDVISIT_REQUIRE_BACKENDS=1: start the backend \
                 (scripts/test-all.sh does) or unset FIELDVISIT_REQUIRE_BACKENDS"
            );
            eprintln!("skipped: {var} is not set (scripts/test-all.sh sets it)");
            None
        }
    }
}

/// A name no other test (or test run) uses: process id, a counter and the time.
pub(crate) fn unique_name(prefix: &str) -> String {
    use std::sync::atomic::{AtomicU32, Ordering};
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    format!(
        "{prefix}_{}_{}_{nanos}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    )
}

/// A fresh schema in the test database; [`PgSchema::drop_schema`] removes it.
pub(crate) struct PgSchema {
    /// Connection settings whose `search_path` is the schema.
    pub config: tokio_postgres::Config,
    name: String,
    base: tokio_postgres::Config,
    /// Dropped already (by `drop_schema`); otherwise it is dropped when this goes.
    dropped: bool,
}

impl Drop for PgSchema {
    fn drop(&mut self) {
        if self.dropped {
            return;
        }
        // Drop runs inside a test's runtime, which cannot be blocked on: a thread of its own.
        let (base, name) = (self.base.clone(), self.name.clone());
        let _ = std::thread::spawn(move || {
            let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            else {
                return;
            };
            rt.block_on(async {
                if let Ok((client, conn)) = base.connect(tokio_postgres::NoTls).await {
                    tokio::spawn(conn);
                    let _ = client
                        .batch_execute(&format!("DROP SCHEMA \"{name}\" CASCADE"))
                        .await;
                }
            });
        })
        .join();
    }
}

async fn pg_admin(config: &tokio_postgres::Config) -> tokio_postgres::Client {
    let (client, conn) = config
        .connect(tokio_postgres::NoTls)
        .await
        .expect("connect to FIELDVISIT_TEST_PG");
    tokio::spawn(async move {
        if let Err(e) = conn.await {
            eprintln!("admin connection: {e}");
        }
    });
    client
}

impl PgSchema {
    /// Makes a schema named after `prefix`, or `None` when PostgreSQL is not configured.
    pub(crate) async fn create(prefix: &str) -> Option<Self> {
        let url = backend("FIELDVISIT_TEST_PG")?;
        let base: tokio_postgres::Config = url.parse().expect("FIELDVISIT_TEST_PG is a valid URL");
        let name = unique_name(prefix);
        // The name is made of [a-z0-9_], so quoting it as an identifier is safe.
        pg_admin(&base)
            .await
            .batch_execute(&format!("CREATE SCHEMA \"{name}\""))
            .await
            .expect("create a test schema");
        let mut config = base.clone();
        config.options(format!("-c search_path={name}"));
        Some(PgSchema {
            config,
            name,
            base,
            dropped: false,
        })
    }

    /// The schema's name.
    pub(crate) fn name(&self) -> &str {
        &self.name
    }

    /// Drops the schema and everything in it.
    pub(crate) async fn drop_schema(mut self) {
        self.dropped = true;
        pg_admin(&self.base)
            .await
            .batch_execute(&format!("DROP SCHEMA \"{}\" CASCADE", self.name))
            .await
            .expect("drop the test schema");
    }
}

/// An S3 blob store on a fresh prefix of the bucket in `FIELDVISIT_TEST_S3`
/// (`http://host:port/bucket`), or `None` when S3 is not configured.
pub(crate) fn s3_store() -> Option<crate::blob::S3BlobStore> {
    let (location, options) = s3_target()?;
    Some(
        crate::blob::S3BlobStore::connect(&location, &options)
            .expect("connect to FIELDVISIT_TEST_S3"),
    )
}

/// A fresh prefix of the bucket in `FIELDVISIT_TEST_S3` and the options to reach it, or `None`
/// when S3 is not configured.
pub(crate) fn s3_target() -> Option<(crate::blob::S3Location, crate::blob::S3Options)> {
    use crate::blob::{S3Location, S3Options};
    let url = backend("FIELDVISIT_TEST_S3")?;
    let (endpoint, bucket) = url
        .trim_end_matches('/')
        .rsplit_once('/')
        .expect("FIELDVISIT_TEST_S3 is http://host:port/bucket");
    let location = S3Location::parse(&format!("s3://{bucket}/{}", unique_name("fvtest")))
        .expect("a valid test bucket name");
    let credentials = match (
        std::env::var("AWS_ACCESS_KEY_ID"),
        std::env::var("AWS_SECRET_ACCESS_KEY"),
    ) {
        (Ok(_), Ok(_)) => None,
        // A local test server accepts any key; without one the client would ask the cloud's
        // metadata service and wait for it to time out.
        _ => Some(("test".to_owned(), "test".to_owned())),
    };
    let options = S3Options {
        endpoint: Some(endpoint.to_owned()),
        region: Some("us-east-1".into()),
        credentials,
    };
    Some((location, options))
}
