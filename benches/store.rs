//! Benchmarks of the embedded engine's SQLite store, on a real file (WAL, `synchronous=NORMAL`),
//! the way users run it.
//!
//! - `list_deployments/1000`: reading the 1,000 live deployments of one environment
//!   (goal: ≤ 5 ms).
//! - `append_events/100000`: 100,000 event appends, one `Store::write` transaction each, as the
//!   engine's workers do (goal: ≥ 20,000 appends/s).
//!
//! Run with `cargo bench --bench store`; the whole run takes well under a minute.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;
use std::time::{Duration, Instant};

use chrono::Duration as ChronoDuration;
use criterion::{Criterion, SamplingMode, Throughput, criterion_group, criterion_main};
use serde_json::{Map, Value, json};
use tempfile::TempDir;

use zopdeck::backend::clock::Clock;
use zopdeck::backend::engine::store::{NewEvent, Store, catalog};
use zopdeck::backend::model::{
    CanvasPosition, Deployment, DeploymentStatus, Environment, EventStatus, SourceType, Space,
    SpaceStatus, Stage,
};

const DEPLOYMENTS: usize = 1_000;
const EVENTS: u64 = 100_000;

const ACCOUNT: &str = "acct_bench";
const REGION: &str = "us-east-1";
const CLUSTER: &str = "bench-cluster";
const SPACE_ID: &str = "spc_bench";
const ENV_ID: &str = "env_bench";

/// A store file in its own temporary directory (removed when the directory is dropped).
struct Fixture {
    store: Store,
    deployment_ids: Vec<String>,
    _dir: TempDir,
}

/// A deployment's configs as the engine stores them: a JSON string of about 200 bytes.
fn configs(i: usize) -> String {
    json!({
        "port": 8080,
        "replicas": 1 + i % 4,
        "expose": [{"port": 443, "protocol": "http"}],
        "liveness": {"path": "/healthz", "initialDelaySeconds": 5, "periodSeconds": 10},
        "resources": {"requests": {"cpu": "100m", "memory": "128Mi"}},
        "envVars": {"LOG_LEVEL": "info", "SERVICE": format!("svc-{i:04}")}
    })
    .to_string()
}

/// Opens a fresh store on a file and fills it with one account, cluster, space and environment
/// holding `DEPLOYMENTS` deployments, all in one transaction.
fn seeded_store() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("zopdeck.db")).unwrap();
    let clock = Clock::new();
    let start = clock.now();

    let space = Space {
        id: SPACE_ID.into(),
        name: "bench".into(),
        provider: "aws".into(),
        space_type: "kubernetes".into(),
        cloud_account_id: ACCOUNT.into(),
        status: SpaceStatus::Active,
        config: json!({"clusterName": CLUSTER, "region": REGION}).to_string(),
        created_at: start,
        reachability: None,
    };
    let env = Environment {
        id: ENV_ID.into(),
        name: "bench".into(),
        space_id: SPACE_ID.into(),
        namespace: "bench".into(),
        registry_url: Some("ghcr.io/zopdeck-bench".into()),
        created_at: start,
    };

    let deployment_ids = store
        .write(|tx| {
            catalog::insert_cloud_account(tx, ACCOUNT, "Bench account", "aws", &start)?;
            catalog::insert_cluster(tx, ACCOUNT, REGION, CLUSTER, "eks")?;
            catalog::insert_space(tx, &space, REGION, CLUSTER)?;
            catalog::insert_environment(tx, &env)?;
            let mut ids = Vec::with_capacity(DEPLOYMENTS);
            for i in 0..DEPLOYMENTS {
                // Distinct creation times keep the listing order meaningful.
                let created = start + ChronoDuration::milliseconds(i as i64);
                let git = i % 3 == 0;
                let d = Deployment {
                    id: format!("dep_{i:016x}"),
                    name: format!("svc-{i:04}"),
                    org_id: "org_bench".into(),
                    env_id: ENV_ID.into(),
                    source_type: if git {
                        SourceType::Git
                    } else {
                        SourceType::Image
                    },
                    repo_url: git.then(|| format!("https://github.com/zopdeck-bench/svc-{i:04}")),
                    branch: git.then(|| "main".into()),
                    image: (!git)
                        .then(|| format!("ghcr.io/zopdeck-bench/svc-{i:04}:1.{}.0", i % 10)),
                    integration_id: git.then(|| "int_github".into()),
                    auto_deploy: git,
                    space_id: SPACE_ID.into(),
                    namespace: env.namespace.clone(),
                    registry_url: env.registry_url.clone(),
                    current_revision_id: Some(format!("rev_{i:016x}")),
                    status: DeploymentStatus::Active,
                    configs: configs(i),
                    canvas_position: Some(CanvasPosition {
                        x: 64.0 + 320.0 * (i % 40) as f64,
                        y: 64.0 + 256.0 * (i / 40) as f64,
                    }),
                    last_deploy_at: Some(created),
                    drift: None,
                    created_at: created,
                    updated_at: created,
                };
                catalog::insert_deployment(tx, &d)?;
                ids.push(d.id);
            }
            Ok(ids)
        })
        .unwrap();

    Fixture {
        store,
        deployment_ids,
        _dir: dir,
    }
}

fn bench_list_deployments(c: &mut Criterion) {
    let fx = seeded_store();
    let listed = fx
        .store
        .read(|c| catalog::list_deployments(c, Some(ENV_ID)))
        .unwrap();
    assert_eq!(listed.len(), DEPLOYMENTS);

    let mut group = c.benchmark_group("list_deployments");
    group.throughput(Throughput::Elements(DEPLOYMENTS as u64));
    group.warm_up_time(Duration::from_secs(1));
    group.measurement_time(Duration::from_secs(3));
    group.bench_function(DEPLOYMENTS.to_string(), |b| {
        b.iter(|| {
            fx.store
                .read(|c| catalog::list_deployments(c, Some(black_box(ENV_ID))))
                .unwrap()
        })
    });
    group.finish();
}

/// The event number `i` of the bench, with an engine-style dedupe key that is new.
fn event(fx: &Fixture, i: u64) -> NewEvent {
    let n_deps = fx.deployment_ids.len() as u64;
    // Walk the deployments like concurrent rollouts would: each deployment goes through
    // stage × started/progress/succeeded (12 events) on one revision, then a new revision,
    // so every engine-style dedupe key (revision/stage/status) is new.
    let dep = &fx.deployment_ids[(i % n_deps) as usize];
    let step = i / n_deps;
    let stage = Stage::ALL[(step as usize / 3) % Stage::ALL.len()];
    let status = EventStatus::ALL[step as usize % 3];
    let revision_id = format!("rev_{:08x}{:08x}", step / 12, i % n_deps);
    let mut meta = Map::new();
    meta.insert(
        "message".into(),
        Value::from(format!("{} {}", stage.as_str(), status.as_str())),
    );
    meta.insert("attempt".into(), Value::from(1));
    meta.insert("progress".into(), Value::from(step % 100));
    NewEvent {
        deployment_id: dep.clone(),
        dedupe_key: Some(format!(
            "{revision_id}/{}/{}",
            stage.as_str(),
            status.as_str()
        )),
        revision_id: Some(revision_id),
        stage,
        status,
        meta,
    }
}

/// Appends events `first..first + count` through the engine's append path (one transaction
/// per event, as a worker appends) and returns the time the appends took.
fn append_events(fx: &Fixture, clock: &Clock, first: u64, count: u64) -> Duration {
    let started = Instant::now();
    for i in first..first + count {
        let appended = fx
            .store
            .append_event(event(fx, i), clock.now(), None)
            .unwrap();
        debug_assert!(appended.is_some(), "dedupe key reused at event {i}");
        black_box(appended);
    }
    started.elapsed()
}

/// Appends run in timed segments of `SEGMENT` events, all into one store that keeps growing,
/// and each segment reports `EVENTS / SEGMENT` times its time: what 100,000 appends take at
/// that rate. A run appends about 100,000 events or more into the one store, so the mean is the
/// cost of filling a store with 100,000 events, and the bench takes seconds instead of ten full
/// 100,000-event passes (criterion's minimum sample count). Criterion plans its iterations on
/// wall-clock time, so its "estimated" collection time is real; the real totals are printed at
/// the end.
const SEGMENT: u64 = 5_000;

fn bench_append_events(c: &mut Criterion) {
    let mut group = c.benchmark_group("append_events");
    group.throughput(Throughput::Elements(EVENTS));
    group.sample_size(10);
    group.sampling_mode(SamplingMode::Flat);
    group.warm_up_time(Duration::from_secs(1));
    // Wall-clock: ten samples of however many segments fill a second each (at least one).
    group.measurement_time(Duration::from_secs(10));
    let mut totals = Vec::new();
    {
        let fx = seeded_store();
        let clock = Clock::new();
        let mut appended = 0u64;
        let mut spent = Duration::ZERO;
        group.bench_function(EVENTS.to_string(), |b| {
            b.iter_custom(|iters| {
                let mut reported = Duration::ZERO;
                for _ in 0..iters {
                    let took = append_events(&fx, &clock, appended, SEGMENT);
                    appended += SEGMENT;
                    spent += took;
                    reported += took * (EVENTS / SEGMENT) as u32;
                }
                reported
            })
        });
        totals.push((appended, spent, fx));
    }
    group.finish();

    for (appended, spent, fx) in totals {
        if appended == 0 {
            continue;
        }
        let stored: i64 = fx
            .store
            .read(|c| Ok(c.query_row("SELECT COUNT(*) FROM events", [], |r| r.get(0))?))
            .unwrap();
        assert_eq!(stored as u64, appended, "every append must land");
        eprintln!(
            "append_events: {appended} appends (one transaction each) into one store in {spent:.2?}: {:.0} appends/s",
            appended as f64 / spent.as_secs_f64()
        );
    }
}

criterion_group!(benches, bench_list_deployments, bench_append_events);
criterion_main!(benches);
