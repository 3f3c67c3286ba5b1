//! Connecting to the shop database and bringing its schema up to date (sqlx's versioned
//! migrations, under its advisory lock, so twenty tills starting at once migrate it once).

use crate::error::{scrub, ShopError};
use sqlx::migrate::{Migration, MigrationType, Migrator};
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::SqlSafeStr;
use std::borrow::Cow;
use std::str::FromStr;
use std::time::Duration;
use tokio::sync::OnceCell;

/// The shop schema's steps, in order. Never edit a shipped step: add a new one.
const STEPS: &[(i64, &str, &str)] = &[(1, "shop", include_str!("../migrations/0001_shop.sql"))];

/// The newest shop schema this build knows.
pub const SCHEMA_VERSION: i64 = STEPS[STEPS.len() - 1].0;

/// A handle on the shop database. Opening it does no I/O, so a till starts (and sells) with the
/// server down; the first call that reaches it migrates the schema.
pub struct ShopDb {
    pub(crate) pool: PgPool,
    password: Option<String>,
    shown: String,
    ready: OnceCell<()>,
}

impl ShopDb {
    /// Takes a `postgres://user:password@host:port/database` address.
    pub fn open(url: &str) -> Result<ShopDb, ShopError> {
        let parsed = url::Url::parse(url.trim()).map_err(|e| ShopError::BadUrl(e.to_string()))?;
        if !matches!(parsed.scheme(), "postgres" | "postgresql") {
            return Err(ShopError::BadUrl(format!(
                "it must start with postgres:// (it starts with {}://)",
                parsed.scheme()
            )));
        }
        if parsed.host_str().is_none_or(str::is_empty) {
            return Err(ShopError::BadUrl("it names no host".into()));
        }
        let password = parsed.password().map(|p| {
            url::form_urlencoded::parse(format!("p={p}").as_bytes())
                .next()
                .map(|(_, v)| v.into_owned())
                .unwrap_or_default()
        });
        let mut shown = parsed.clone();
        if password.is_some() {
            let _ = shown.set_password(Some("***"));
        }
        let options = PgConnectOptions::from_str(url.trim())
            .map_err(|e| ShopError::BadUrl(scrub(&e.to_string(), password.as_deref())))?
            .application_name("paydesk");
        let pool =
            PgPoolOptions::new().max_connections(4).acquire_timeout(Duration::from_secs(5)).connect_lazy_with(options);
        Ok(ShopDb { pool, password, shown: shown.to_string(), ready: OnceCell::new() })
    }

    /// The address with its password masked, for settings and messages.
    pub fn shown(&self) -> &str {
        &self.shown
    }

    pub(crate) fn err(&self, e: sqlx::Error) -> ShopError {
        ShopError::from_sqlx(e, self.password.as_deref())
    }

    /// Migrates the schema once per handle; refuses a schema newer than this build knows.
    pub async fn ready(&self) -> Result<(), ShopError> {
        self.ready.get_or_try_init(|| self.migrate()).await.map(|_| ())
    }

    async fn migrate(&self) -> Result<(), ShopError> {
        let found = self.applied_version().await?;
        if found > SCHEMA_VERSION {
            return Err(ShopError::SchemaTooNew { found, known: SCHEMA_VERSION });
        }
        migrator().run(&self.pool).await.map_err(|e| match e {
            sqlx::migrate::MigrateError::Execute(e) => self.err(e),
            other => ShopError::Database(scrub(&other.to_string(), self.password.as_deref())),
        })
    }

    /// The newest step applied to the database (0 for a new one).
    pub async fn applied_version(&self) -> Result<i64, ShopError> {
        let table: Option<String> = sqlx::query_scalar("SELECT to_regclass('_sqlx_migrations')::text")
            .fetch_one(&self.pool)
            .await
            .map_err(|e| self.err(e))?;
        if table.is_none() {
            return Ok(0);
        }
        sqlx::query_scalar("SELECT COALESCE(MAX(version), 0) FROM _sqlx_migrations WHERE success")
            .fetch_one(&self.pool)
            .await
            .map_err(|e| self.err(e))
    }

    /// Closes the pool's connections (the handle cannot be used after).
    pub async fn close(&self) {
        self.pool.close().await
    }
}

fn migrator() -> Migrator {
    let migrations: Vec<Migration> = STEPS
        .iter()
        .map(|&(version, description, sql)| {
            Migration::new(version, Cow::Borrowed(description), MigrationType::Simple, sql.into_sql_str(), false)
        })
        .collect();
    Migrator::with_migrations(migrations)
}
