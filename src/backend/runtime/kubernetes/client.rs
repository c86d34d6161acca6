//! Reaching a cluster: one `kube::Client` per kubeconfig context (cached; kube-rs runs exec
//! credential plugins, so EKS, GKE and AKS kubeconfigs work), every call under a timeout, and
//! apiserver errors sorted into the runtime's kinds with what to do about them.

use std::collections::HashMap;
use std::future::Future;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, SystemTime};

use kube::config::{KubeConfigOptions, Kubeconfig};
use kube::{Client, Config};

use crate::backend::runtime::{RuntimeError, RuntimeResult};

/// How long one apiserver call may take (watches excepted: they are long by design).
pub const CALL_TIMEOUT: Duration = Duration::from_secs(10);
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// Where a cluster is: a kubeconfig file and one of its contexts.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Context {
    pub kubeconfig: PathBuf,
    pub context: String,
}

impl std::fmt::Display for Context {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "context {} of {}",
            self.context,
            self.kubeconfig.display()
        )
    }
}

/// The one crypto provider of the process (ring), for kube, reqwest and tokio-tungstenite.
pub fn install_crypto_provider() {
    // Fails only when one is installed already, which is what we want.
    let _ = rustls::crypto::ring::default_provider().install_default();
}

fn read(kubeconfig: &Path) -> RuntimeResult<Kubeconfig> {
    Kubeconfig::read_from(kubeconfig).map_err(|e| {
        RuntimeError::Rejected(format!(
            "cannot read the kubeconfig {}: {e} — check the path (--kubeconfig, $KUBECONFIG)",
            kubeconfig.display()
        ))
    })
}

/// Clients by context, made once and shared (a client holds its connection pool), and made
/// again when the kubeconfig file changes (credentials rotated, `aws eks update-kubeconfig`
/// run again): each is kept with the file's modification time when it was read.
#[derive(Default)]
pub struct Clients {
    cache: Mutex<HashMap<Context, (Option<SystemTime>, Client)>>,
}

fn modified(kubeconfig: &Path) -> Option<SystemTime> {
    std::fs::metadata(kubeconfig)
        .and_then(|m| m.modified())
        .ok()
}

impl Clients {
    pub async fn get(&self, at: &Context) -> RuntimeResult<Client> {
        let stamp = modified(&at.kubeconfig);
        if let Some((read_at, c)) = self.lock().get(at)
            && *read_at == stamp
        {
            return Ok(c.clone());
        }
        let client = connect(at).await?;
        self.lock().insert(at.clone(), (stamp, client.clone()));
        Ok(client)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<Context, (Option<SystemTime>, Client)>> {
        self.cache.lock().unwrap_or_else(|p| p.into_inner())
    }
}

async fn connect(at: &Context) -> RuntimeResult<Client> {
    install_crypto_provider();
    let kc = read(&at.kubeconfig)?;
    if !kc.contexts.iter().any(|c| c.name == at.context) {
        let names: Vec<&str> = kc.contexts.iter().map(|c| c.name.as_str()).collect();
        return Err(RuntimeError::Rejected(format!(
            "the kubeconfig {} has no context {:?} (it has: {})",
            at.kubeconfig.display(),
            at.context,
            names.join(", ")
        )));
    }
    let options = KubeConfigOptions {
        context: Some(at.context.clone()),
        ..Default::default()
    };
    let mut config = Config::from_custom_kubeconfig(kc, &options)
        .await
        .map_err(|e| RuntimeError::Rejected(format!("{at}: {e}")))?;
    config.connect_timeout = Some(CONNECT_TIMEOUT);
    // Named in the apiserver's audit log, so its requests can be told from others'.
    config.headers.push((
        http::header::USER_AGENT,
        http::HeaderValue::from_static(concat!("zopdeck/", env!("CARGO_PKG_VERSION"))),
    ));
    Client::try_from(config).map_err(|e| RuntimeError::Rejected(format!("{at}: {e}")))
}

/// Runs one apiserver call under [`CALL_TIMEOUT`], its error sorted by [`classify`].
pub async fn call<T>(
    cluster: &str,
    what: &str,
    f: impl Future<Output = Result<T, kube::Error>>,
) -> RuntimeResult<T> {
    match tokio::time::timeout(CALL_TIMEOUT, f).await {
        Ok(r) => r.map_err(|e| classify(cluster, what, &e)),
        Err(_) => Err(RuntimeError::Transient(format!(
            "cluster {cluster} did not answer within {} s ({what}) — check the kubeconfig context",
            CALL_TIMEOUT.as_secs()
        ))),
    }
}

/// Whether a kube error is the apiserver's "not found".
pub fn is_not_found(e: &kube::Error) -> bool {
    matches!(e, kube::Error::Api(s) if s.code == 404)
}

/// Sorts a kube error: unreachable, timed out, throttled or 5xx → transient; 401/403 →
/// forbidden, naming what was asked; other 4xx (an invalid object) → rejected.
pub fn classify(cluster: &str, what: &str, e: &kube::Error) -> RuntimeError {
    match e {
        kube::Error::Api(s) => match s.code {
            401 => RuntimeError::Forbidden(format!(
                "cluster {cluster} refused the credentials ({what}): {} — check the kubeconfig user",
                s.message
            )),
            403 => RuntimeError::Forbidden(format!(
                "cluster {cluster} forbids {what}: {} — grant the kubeconfig user that permission",
                s.message
            )),
            408 | 429 | 500..=599 => RuntimeError::Transient(format!(
                "cluster {cluster} answered {} ({what}): {}",
                s.code, s.message
            )),
            _ => RuntimeError::Rejected(format!("cluster {cluster} refused {what}: {}", s.message)),
        },
        other => {
            let text = error_chain(other);
            RuntimeError::Transient(format!(
                "cluster {cluster} unreachable: {text} — check the kubeconfig context"
            ))
        }
    }
}

/// An error with its causes, shortest first ("connection refused" rather than a wrapper's
/// "error trying to connect").
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut deepest = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        deepest = s.to_string();
        source = s.source();
    }
    deepest
}

#[cfg(test)]
mod tests {
    use super::*;

    fn api(code: u16) -> kube::Error {
        kube::Error::Api(Box::new(kube::core::Status {
            code,
            message: "m".into(),
            ..Default::default()
        }))
    }

    #[test]
    fn errors_are_sorted_by_what_the_engine_does_about_them() {
        assert!(matches!(
            classify("c", "apply", &api(403)),
            RuntimeError::Forbidden(m) if m.contains("forbids apply")
        ));
        assert!(matches!(
            classify("c", "x", &api(401)),
            RuntimeError::Forbidden(_)
        ));
        assert!(classify("c", "x", &api(503)).is_transient());
        assert!(classify("c", "x", &api(429)).is_transient());
        assert!(matches!(
            classify("c", "x", &api(422)),
            RuntimeError::Rejected(_)
        ));
        assert!(is_not_found(&api(404)));
    }
}
