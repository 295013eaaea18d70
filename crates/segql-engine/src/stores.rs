//! Object stores: data paths written as `s3://bucket/key` (or
//! `s3://bucket/prefix/`) are read from S3 or an S3-compatible server
//! through `object_store`, registered on the session for their bucket.
//! Credentials, region and endpoint come from the standard `AWS_*`
//! environment variables (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`,
//! `AWS_REGION`, `AWS_ENDPOINT_URL`, `AWS_ALLOW_HTTP` for a server on plain
//! HTTP), never from the command line, and are never printed.
//!
//! `file:///abs/path` is a local path written as a URL.

use crate::sources::Format;
use datafusion::execution::object_store::ObjectStoreUrl;
use datafusion::prelude::SessionContext;
use futures::TryStreamExt;
use object_store::aws::{AmazonS3, AmazonS3Builder, AmazonS3ConfigKey};
use object_store::path::Path as ObjectPath;
use object_store::{ClientConfigKey, ObjectStore, ObjectStoreExt, RetryConfig};
use segql_syntax::{Diagnostic, codes};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use url::Url;

/// Whether `text` names an object in a store (`s3://...`).
pub fn is_store_url(text: &str) -> bool {
    text.starts_with("s3://")
}

/// `file:///abs/path` as the local path it names; any other text as it is.
pub fn local_path(text: &str) -> String {
    match text.strip_prefix("file://") {
        Some(rest) => Url::parse(text)
            .ok()
            .and_then(|url| url.to_file_path().ok())
            .map(|p| p.display().to_string())
            .unwrap_or_else(|| rest.to_string()),
        None => text.to_string(),
    }
}

/// An `s3://` URL split into its bucket and key (or prefix).
struct Location {
    bucket: String,
    key: String,
}

fn location(what: &str, text: &str) -> Result<Location, Diagnostic> {
    let bad = |why: &str| {
        Diagnostic::error(
            codes::UNREADABLE_FILE,
            format!("cannot read the {what} `{text}`: {why}"),
        )
        .with_help("write an object-store path as s3://bucket/key or s3://bucket/prefix/")
    };
    let url = Url::parse(text).map_err(|e| bad(&e.to_string()))?;
    let bucket = url
        .host_str()
        .filter(|b| !b.is_empty())
        .ok_or_else(|| bad("it names no bucket"))?;
    Ok(Location {
        bucket: bucket.to_string(),
        key: url.path().trim_start_matches('/').to_string(),
    })
}

/// The store of `bucket`, from the `AWS_*` environment, registered on
/// `ctx` for `s3://bucket` (so DataFusion reads its objects).
fn store_for(ctx: &SessionContext, bucket: &str) -> Result<Arc<dyn ObjectStore>, Diagnostic> {
    let base = ObjectStoreUrl::parse(format!("s3://{bucket}")).map_err(|e| {
        Diagnostic::error(
            codes::UNREADABLE_FILE,
            format!("`s3://{bucket}` is not a bucket URL: {e}"),
        )
    })?;
    if let Ok(store) = ctx.runtime_env().object_store(&base) {
        return Ok(store);
    }
    let store: Arc<dyn ObjectStore> = Arc::new(build_store(bucket)?);
    ctx.register_object_store(base.as_ref(), Arc::clone(&store));
    Ok(store)
}

/// Registers the store of the bucket `text` names on `ctx`, so that a
/// table at `text` can be read there.
pub fn register(ctx: &SessionContext, what: &str, text: &str) -> Result<(), Diagnostic> {
    store_for(ctx, &location(what, text)?.bucket).map(|_| ())
}

/// A client for `bucket` from the `AWS_*` environment.
fn build_store(bucket: &str) -> Result<AmazonS3, Diagnostic> {
    // A store that cannot be reached says so within seconds, not after the
    // client's default of ten retries over three minutes.
    let retry = RetryConfig {
        max_retries: 2,
        retry_timeout: Duration::from_secs(15),
        ..RetryConfig::default()
    };
    AmazonS3Builder::from_env()
        .with_bucket_name(bucket)
        .with_config(
            AmazonS3ConfigKey::Client(ClientConfigKey::ConnectTimeout),
            "5s",
        )
        .with_retry(retry)
        .build()
        .map_err(|e| {
            Diagnostic::error(
                codes::UNREADABLE_FILE,
                format!("cannot open the bucket `{bucket}`: {}", store_cause(&e, bucket)),
            )
            .with_help(
                "set AWS_REGION (and AWS_ENDPOINT_URL for an S3-compatible server) in the environment",
            )
        })
}

/// The bytes of one object (at most `limit` of them from its start), read
/// where no async runtime can be awaited: a schema mapping, the header of
/// a CSV list. The read runs on a thread of its own with a client of its
/// own, so it works inside or outside a runtime.
pub fn read_blocking(what: &str, text: &str, limit: Option<u64>) -> Result<Vec<u8>, Diagnostic> {
    let at = location(what, text)?;
    let store = build_store(&at.bucket)?;
    let key = ObjectPath::from(at.key.as_str());
    let read = std::thread::scope(|scope| {
        scope
            .spawn(|| -> Result<Vec<u8>, object_store::Error> {
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .map_err(|e| object_store::Error::Generic {
                        store: "S3",
                        source: Box::new(e),
                    })?;
                runtime.block_on(async {
                    let bytes = match limit {
                        None => store.get(&key).await?.bytes().await?,
                        Some(limit) => {
                            let size = store.head(&key).await?.size;
                            store.get_range(&key, 0..size.min(limit)).await?
                        }
                    };
                    Ok(bytes.to_vec())
                })
            })
            .join()
    });
    match read {
        Ok(Ok(bytes)) => Ok(bytes),
        Ok(Err(e)) => Err(read_error(what, text, &at.bucket, &e)),
        Err(_) => Err(Diagnostic::error(
            codes::UNREADABLE_FILE,
            format!("cannot read the {what} `{text}`: the read stopped unexpectedly"),
        )),
    }
}

/// The data files a store path names, as `s3://bucket/key` paths: the
/// object itself, or every Parquet, CSV or NDJSON object under the prefix
/// (a path ending in `/`, or one that names no object).
pub async fn files(
    ctx: &SessionContext,
    what: &str,
    text: &str,
) -> Result<Vec<PathBuf>, Diagnostic> {
    let at = location(what, text)?;
    let store = store_for(ctx, &at.bucket)?;
    let failed = |e: object_store::Error| read_error(what, text, &at.bucket, &e);
    if !at.key.is_empty() && !at.key.ends_with('/') {
        match store.head(&ObjectPath::from(at.key.as_str())).await {
            Ok(_) => return Ok(vec![PathBuf::from(text)]),
            Err(object_store::Error::NotFound { .. }) => {}
            Err(e) => return Err(failed(e)),
        }
    }
    let prefix = format!("{}/", at.key.trim_end_matches('/'));
    let prefix = (prefix != "/").then(|| ObjectPath::from(prefix.as_str()));
    let objects: Vec<_> = store
        .list(prefix.as_ref())
        .try_collect()
        .await
        .map_err(failed)?;
    let mut found: Vec<PathBuf> = objects
        .iter()
        .map(|o| PathBuf::from(format!("s3://{}/{}", at.bucket, o.location)))
        .filter(|p| Format::of(p).is_some())
        .collect();
    found.sort();
    if found.is_empty() {
        let why = if objects.is_empty() {
            "no object has this key or prefix"
        } else {
            "no .parquet, .csv or .ndjson object is under this prefix"
        };
        return Err(Diagnostic::error(
            codes::UNREADABLE_FILE,
            format!("cannot read the {what} `{text}`: {why}"),
        )
        .with_help("check the bucket and the path; a prefix ends with /"));
    }
    Ok(found)
}

/// The names directly under a store folder (`--data s3://bucket/prefix/`):
/// its objects and its sub-folders (as `name/`), as `s3://` paths.
pub async fn folder_entries(
    ctx: &SessionContext,
    text: &str,
) -> Result<Vec<(PathBuf, bool)>, Diagnostic> {
    let what = "data folder";
    let at = location(what, text)?;
    let store = store_for(ctx, &at.bucket)?;
    let prefix = at.key.trim_end_matches('/');
    let prefix = (!prefix.is_empty()).then(|| ObjectPath::from(prefix));
    let listed = store
        .list_with_delimiter(prefix.as_ref())
        .await
        .map_err(|e| read_error(what, text, &at.bucket, &e))?;
    let url = |p: &ObjectPath| PathBuf::from(format!("s3://{}/{p}", at.bucket));
    let mut entries: Vec<(PathBuf, bool)> = listed
        .objects
        .iter()
        .map(|o| (url(&o.location), false))
        .chain(listed.common_prefixes.iter().map(|p| (url(p), true)))
        .collect();
    entries.sort();
    if entries.is_empty() {
        return Err(Diagnostic::error(
            codes::UNREADABLE_FILE,
            format!("cannot read the {what} `{text}`: no object has this prefix"),
        )
        .with_help("check the bucket and the path"));
    }
    Ok(entries)
}

/// A store's failure to read `text`, in plain words.
fn read_error(what: &str, text: &str, bucket: &str, e: &object_store::Error) -> Diagnostic {
    let cause = store_cause(e, bucket);
    let help = if cause.contains("no object") {
        "check the key; a prefix ends with /".to_string()
    } else if cause.contains("does not exist") {
        format!("check the bucket's name (`{bucket}`) and AWS_ENDPOINT_URL")
    } else if cause.contains("denied") {
        "check AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, and the bucket's policy".to_string()
    } else if cause.contains("cannot reach") {
        "check AWS_ENDPOINT_URL (and AWS_ALLOW_HTTP=true for a server on http://) and the network"
            .to_string()
    } else {
        "check the path and the AWS_* environment".to_string()
    };
    Diagnostic::error(
        codes::UNREADABLE_FILE,
        format!("cannot read the {what} `{text}`: {cause}"),
    )
    .with_help(help)
}

/// What went wrong with a store, without the client's internals.
fn store_cause(e: &object_store::Error, bucket: &str) -> String {
    let text = e.to_string();
    let has = |words: &[&str]| words.iter().any(|w| text.contains(w));
    if has(&["NoSuchBucket", "bucket does not exist"]) {
        format!("the bucket `{bucket}` does not exist")
    } else if matches!(e, object_store::Error::NotFound { .. }) {
        "no object has this key".into()
    } else if has(&[
        "AccessDenied",
        "InvalidAccessKeyId",
        "SignatureDoesNotMatch",
        "403 Forbidden",
        "Forbidden",
    ]) || matches!(
        e,
        object_store::Error::PermissionDenied { .. } | object_store::Error::Unauthenticated { .. }
    ) {
        "access denied".into()
    } else if has(&[
        "error sending request",
        "Connection refused",
        "connection refused",
        "dns error",
        "timed out",
        "tcp connect",
    ]) {
        "cannot reach the object store".into()
    } else if has(&["Missing region", "region"]) && has(&["Missing"]) {
        "no region is set".into()
    } else {
        // The first line, without the client's nested sources.
        text.lines().next().unwrap_or_default().to_string()
    }
}

/// The cause part of a store diagnostic's message (after "cannot read the
/// ... `url`: "), for callers that name the file themselves.
pub fn cause_of(message: &str) -> String {
    match message.split_once("`: ") {
        Some((_, cause)) => cause.to_string(),
        None => message.to_string(),
    }
}

/// An object-store registry that opens the store of an `s3://` bucket from
/// the `AWS_*` environment the first time a plan reads it: what the
/// scheduler and executors of a cluster read data with, since the paths
/// they are sent were opened in another process.
#[derive(Debug, Default)]
pub struct EnvStores {
    opened: datafusion::execution::object_store::DefaultObjectStoreRegistry,
}

impl datafusion::execution::object_store::ObjectStoreRegistry for EnvStores {
    fn register_store(
        &self,
        url: &Url,
        store: Arc<dyn ObjectStore>,
    ) -> Option<Arc<dyn ObjectStore>> {
        self.opened.register_store(url, store)
    }

    fn deregister_store(&self, url: &Url) -> datafusion::error::Result<Arc<dyn ObjectStore>> {
        self.opened.deregister_store(url)
    }

    fn get_store(&self, url: &Url) -> datafusion::error::Result<Arc<dyn ObjectStore>> {
        if let Ok(store) = self.opened.get_store(url) {
            return Ok(store);
        }
        let bucket = match (url.scheme(), url.host_str()) {
            ("s3", Some(bucket)) => bucket,
            _ => return self.opened.get_store(url),
        };
        let store: Arc<dyn ObjectStore> = Arc::new(
            build_store(bucket)
                .map_err(|d| datafusion::error::DataFusionError::Execution(d.message))?,
        );
        let base = Url::parse(&format!("s3://{bucket}"))
            .map_err(|e| datafusion::error::DataFusionError::Execution(e.to_string()))?;
        self.opened.register_store(&base, Arc::clone(&store));
        Ok(store)
    }
}
