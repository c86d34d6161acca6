//! Figures of the Kubernetes runtime on the test cluster (bounded; prints figures, asserts
//! nothing — these machines are noisy):
//! - pod Ready → the engine's ready-count event (what the card shows), p50/p99 over 100 pods;
//! - a broken image → the revision failed with the reason, in seconds;
//! - the 100 deployments are left rolled out in `ZOPDECK_FIGURES_DIR` (when set), for
//!   `benches/k8s_idle.sh` to measure an idle TUI + engine on them.
//!
//! `cargo bench --bench k8s_figures` with `$KUBECONFIG` on the test cluster.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use futures::StreamExt;
use k8s_openapi::api::core::v1::Pod;
use kube::runtime::{WatchStreamExt, watcher};
use kube::{Api, Client};
use serde_json::json;
use zopdeck::backend::engine::{Engine, EngineSettings, OpenOptions};
use zopdeck::backend::model::*;
use zopdeck::backend::{Backend, Update};

const N: usize = 100;
const BROKEN: usize = 5;

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

async fn run() -> Result<(), String> {
    let Ok(kubeconfig) = std::env::var("KUBECONFIG") else {
        println!("k8s_figures: skipped: KUBECONFIG is not set (start the test cluster)");
        return Ok(());
    };
    zopdeck::backend::runtime::kubernetes::client::install_crypto_provider();
    let kept = std::env::var("ZOPDECK_FIGURES_DIR").ok();
    let temp = tempfile::tempdir().map_err(|e| e.to_string())?;
    let dir = kept
        .clone()
        .map_or_else(|| temp.path().to_path_buf(), Into::into);
    let engine = Engine::open(
        &dir,
        EngineSettings::default(),
        OpenOptions {
            demo: false,
            ..Default::default()
        },
    )
    .await
    .map_err(|e| e.to_string())?;
    let account = engine
        .register_kubeconfig(std::path::Path::new(&kubeconfig))
        .map_err(|e| e.to_string())?;
    let cluster = account.clusters.first().ok_or("no context")?.clone();
    engine
        .register_cluster_access(&account.id, &cluster.region, &cluster.name)
        .await
        .map_err(|e| e.to_string())?;
    let space = engine
        .create_space(NewSpace {
            name: "figures".into(),
            provider: cluster.provider.clone().unwrap_or_default(),
            space_type: None,
            cloud_account_id: account.id.clone(),
            config: json!({"context": cluster.name}),
        })
        .await
        .map_err(|e| e.to_string())?;
    let ns = format!("kf-{}", &uuid::Uuid::new_v4().simple().to_string()[..8]);
    let env = engine
        .create_environment(NewEnvironment {
            name: "figures".into(),
            space_id: space.id,
            namespace: ns.clone(),
            registry_url: None,
        })
        .await
        .map_err(|e| e.to_string())?;

    // The bench's own watch on the pods: when each deployment's pod turns Ready.
    let client = Client::try_default().await.map_err(|e| e.to_string())?;
    let pods: Api<Pod> = Api::namespaced(client, &ns);
    let (ready_tx, mut ready_rx) = tokio::sync::mpsc::unbounded_channel::<(String, Instant)>();
    tokio::spawn(async move {
        let mut events = watcher(pods, watcher::Config::default())
            .default_backoff()
            .applied_objects()
            .boxed();
        while let Some(Ok(pod)) = events.next().await {
            let ready = pod
                .status
                .as_ref()
                .and_then(|s| s.conditions.as_ref())
                .is_some_and(|c| c.iter().any(|c| c.type_ == "Ready" && c.status == "True"));
            let dep = pod
                .metadata
                .labels
                .as_ref()
                .and_then(|l| l.get("zopdeck.dev/deployment-id"))
                .cloned();
            if let (true, Some(dep)) = (ready, dep) {
                let _ = ready_tx.send((dep, Instant::now()));
            }
        }
    });
    let mut sub = engine.subscribe();
    let started = Instant::now();
    let mut created: HashMap<String, Instant> = HashMap::new();
    let mut pod_ready: HashMap<String, Instant> = HashMap::new();
    let mut counted: HashMap<String, Instant> = HashMap::new();
    let mut failed: HashMap<String, (Instant, String)> = HashMap::new();
    // First the 100 healthy ones, all at once; once they are counted, the broken ones, so that
    // their figure is the failure's, not the queue's.
    for (phase, (count, image)) in [
        (N, "nginx:1.27"),
        (BROKEN, "ghcr.io/acme/does-not-exist:1.0"),
    ]
    .into_iter()
    .enumerate()
    {
        for _ in 0..count {
            let n = created.len();
            let d = engine
                .create_deployment(NewDeployment {
                    name: format!("svc-{n}"),
                    env_id: Some(env.id.clone()),
                    image: Some(image.into()),
                    configs: Some(json!({"replicas": 1, "port": 80})),
                    canvas_position: Some(CanvasPosition {
                        x: 32.0 + 240.0 * (n % 10) as f64,
                        y: 32.0 + 96.0 * (n / 10) as f64,
                    }),
                    ..Default::default()
                })
                .await
                .map_err(|e| e.to_string())?;
            created.insert(d.id, Instant::now());
        }
        let deadline = Instant::now() + Duration::from_secs(300);
        let done = |counted: &HashMap<String, Instant>,
                    failed: &HashMap<String, (Instant, String)>| {
            if phase == 0 {
                counted.len() >= N
            } else {
                failed.len() >= BROKEN
            }
        };
        while !done(&counted, &failed) && Instant::now() < deadline {
            tokio::select! {
                Some((dep, at)) = ready_rx.recv() => { pod_ready.entry(dep).or_insert(at); }
                update = sub.next() => match update {
                    Some(Update::Change(Change::Event { deployment_id, data })) => {
                        let ready = data.meta.get("ready").and_then(|v| v.as_u64()).unwrap_or(0);
                        if data.stage == Stage::RollingOut && ready >= 1 {
                            counted.entry(deployment_id.clone()).or_insert_with(Instant::now);
                        }
                        if data.status == EventStatus::Failed {
                            let reason = data.meta.get("reason").and_then(|v| v.as_str()).unwrap_or("").to_string();
                            failed.entry(deployment_id).or_insert((Instant::now(), reason));
                        }
                    }
                    Some(_) => {}
                    None => break,
                },
            }
        }
    }
    // Pods seen Ready by the bench a little after the engine counted them: drain a moment.
    tokio::time::sleep(Duration::from_millis(500)).await;
    while let Ok((dep, at)) = ready_rx.try_recv() {
        pod_ready.entry(dep).or_insert(at);
    }
    let mut lat: Vec<Duration> = counted
        .iter()
        .filter_map(|(dep, at)| pod_ready.get(dep).map(|r| at.saturating_duration_since(*r)))
        .collect();
    lat.sort();
    println!(
        "pod Ready → ready-count event: {} pods, p50 {:?}, p99 {:?}, max {:?} (all {} rolled out in {:?})",
        lat.len(),
        percentile(&lat, 0.5),
        percentile(&lat, 0.99),
        lat.last().copied().unwrap_or_default(),
        N,
        started.elapsed()
    );
    for (dep, (at, reason)) in &failed {
        let took = created.get(dep).map(|c| at.saturating_duration_since(*c));
        println!("broken image → failed in {took:?}: {reason}");
    }
    // Until every deployment has settled (active or failed), then leave them or clean up.
    let settle = Instant::now() + Duration::from_secs(300);
    while Instant::now() < settle {
        let deps = engine
            .list_deployments(Some(&env.id))
            .await
            .map_err(|e| e.to_string())?;
        if deps.iter().all(|d| !d.status.is_in_progress()) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    engine.stop(Duration::from_secs(5)).await;
    if kept.is_none() {
        let _ = std::process::Command::new("kubectl")
            .args(["delete", "namespace", &ns, "--wait=false"])
            .output();
    } else {
        println!(
            "left {N} deployments in namespace {ns}, data dir {}",
            dir.display()
        );
    }
    Ok(())
}

fn main() {
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("k8s_figures: {e}");
            std::process::exit(1);
        }
    };
    // `cargo bench` passes `--bench`; a plain `cargo test --benches` run passes nothing useful.
    if let Err(e) = rt.block_on(run()) {
        eprintln!("k8s_figures: {e}");
        std::process::exit(1);
    }
}
