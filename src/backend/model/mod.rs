//! Domain types of the ZopNight API contract, shared by every backend.
//! Field names and enum spellings follow `shared/api/README.md` exactly (camelCase JSON).
//! Beside them, what every part reads the contract with: typed configs (`configs`), the
//! validation rules (`validate`) and the id formats (`ids`).

pub mod configs;
pub mod ids;
pub mod validate;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// [ours] The cloud account of the simulated sandbox cluster: spaces on it are labelled
/// "(simulated)" wherever they are shown.
pub const SANDBOX_ACCOUNT: &str = "ca_sandbox";

/// A closed set of wire strings: the enum, its `as_str`/`parse`, and `ALL` in order.
macro_rules! wire_enum {
    ($(#[$meta:meta])* $name:ident { $($variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        pub enum $name {
            $(#[serde(rename = $text)] $variant),+
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text),+
                }
            }

            pub fn parse(s: &str) -> Option<Self> {
                match s {
                    $($text => Some($name::$variant),)+
                    _ => None,
                }
            }
        }
    };
}

pub type Timestamp = DateTime<Utc>;

wire_enum! {
    /// Where a deployment stands in its lifecycle.
    DeploymentStatus {
        Pending = "pending",
        Building = "building",
        Deploying = "deploying",
        RollingOut = "rolling_out",
        Active = "active",
        Failed = "failed",
        TearingDown = "tearing_down",
    }
}

impl DeploymentStatus {
    /// True while the engine is still working on the deployment.
    pub fn is_in_progress(self) -> bool {
        matches!(
            self,
            Self::Pending | Self::Building | Self::Deploying | Self::RollingOut | Self::TearingDown
        )
    }
}

wire_enum! {
    SourceType {
        Git = "git",
        Image = "image",
    }
}

/// A card's place on the environment canvas, in canvas pixels. Always finite.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct CanvasPosition {
    pub x: f64,
    pub y: f64,
}

/// `canvasPosition` in a request body: absent, `null`, or an object of exactly `x` and `y`.
fn strict_position<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<Option<CanvasPosition>, D::Error> {
    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Xy {
        x: f64,
        y: f64,
    }
    let xy: Option<Xy> = crate::backend::strict::optional_object(d)?;
    Ok(xy.map(|Xy { x, y }| CanvasPosition { x, y }))
}

/// Largest coordinate accepted; the web canvas never goes near it, and it keeps
/// arithmetic on positions far away from overflow and precision trouble.
pub const CANVAS_LIMIT: f64 = 1.0e7;

impl CanvasPosition {
    pub fn is_valid(&self) -> bool {
        self.x.is_finite()
            && self.y.is_finite()
            && self.x.abs() <= CANVAS_LIMIT
            && self.y.abs() <= CANVAS_LIMIT
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Deployment {
    pub id: String,
    pub name: String,
    pub org_id: String,
    pub env_id: String,
    pub source_type: SourceType,
    #[serde(default)]
    pub repo_url: Option<String>,
    #[serde(default)]
    pub branch: Option<String>,
    #[serde(default)]
    pub image: Option<String>,
    #[serde(default)]
    pub integration_id: Option<String>,
    #[serde(default)]
    pub auto_deploy: bool,
    pub space_id: String,
    pub namespace: String,
    #[serde(default)]
    pub registry_url: Option<String>,
    #[serde(default)]
    pub current_revision_id: Option<String>,
    pub status: DeploymentStatus,
    /// Opaque JSON string, parsed into typed configs only at apply time.
    pub configs: String,
    #[serde(default)]
    pub canvas_position: Option<CanvasPosition>,
    #[serde(default)]
    pub last_deploy_at: Option<Timestamp>,
    /// Set when the release was changed outside zopdeck (a `helm rollback` by hand), until
    /// zopdeck's next revision. [ours]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub drift: Option<Drift>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// A release revision zopdeck did not write.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Drift {
    pub helm_revision: u32,
    pub description: String,
}

impl Drift {
    /// "changed outside zopdeck: helm revision 5, Rollback to 2"
    pub fn label(&self) -> String {
        format!(
            "changed outside zopdeck: helm revision {}, {}",
            self.helm_revision, self.description
        )
    }
}

impl Deployment {
    /// Where it comes from, in a few words: the image, or `repo@branch`.
    pub fn source_label(&self) -> String {
        match self.source_type {
            SourceType::Image => self.image.clone().unwrap_or_default(),
            SourceType::Git => format!(
                "{}@{}",
                self.repo_url.as_deref().unwrap_or(""),
                self.branch.as_deref().unwrap_or("")
            ),
        }
    }
}

/// Body of `POST /deployments`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NewDeployment {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub env_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_type: Option<SourceType>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repo_url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub branch: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub integration_id: Option<String>,
    #[serde(default)]
    pub auto_deploy: bool,
    /// A JSON object (or a string holding one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub configs: Option<Value>,
    #[serde(
        default,
        deserialize_with = "strict_position",
        skip_serializing_if = "Option::is_none"
    )]
    pub canvas_position: Option<CanvasPosition>,
}

wire_enum! {
    Trigger {
        Create = "create",
        Push = "push",
        Config = "config",
        Manual = "manual",
        Rollback = "rollback",
        Promote = "promote",
    }
}

wire_enum! {
    RevisionStatus {
        Pending = "pending",
        Building = "building",
        Deploying = "deploying",
        RollingOut = "rolling_out",
        Active = "active",
        Failed = "failed",
        Superseded = "superseded",
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Revision {
    pub id: String,
    pub deployment_id: String,
    pub number: u32,
    #[serde(default)]
    pub image: Option<String>,
    #[serde(default)]
    pub build_id: Option<String>,
    #[serde(default)]
    pub note: Option<String>,
    /// Snapshot of the deployment's configs (JSON string) this revision rolls out.
    pub configs: String,
    pub trigger: Trigger,
    #[serde(default)]
    pub rollback_of: Option<String>,
    pub status: RevisionStatus,
    pub created_at: Timestamp,
}

/// Body of `POST /deployments/{id}/revisions`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NewRevision {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<String>,
    #[serde(
        default,
        rename = "buildID",
        alias = "buildId",
        skip_serializing_if = "Option::is_none"
    )]
    pub build_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// Webhook delivery id: a replay of the same delivery creates nothing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delivery_id: Option<String>,
}

/// A revision and whether this call created it (false: an idempotent replay).
#[derive(Debug, Clone, PartialEq)]
pub struct RevisionCreated {
    pub revision: Revision,
    pub created: bool,
}

wire_enum! {
    /// Lifecycle stages, in order: a revision's four, then the deployment's teardown
    /// (`tearing_down` is ours: the contract's stages are the first four).
    Stage {
        Building = "building",
        Deploying = "deploying",
        RollingOut = "rolling_out",
        Active = "active",
        TearingDown = "tearing_down",
    }
}

impl Stage {
    /// The stages a revision goes through, in order.
    pub const ROLLOUT: &'static [Stage] = &[
        Stage::Building,
        Stage::Deploying,
        Stage::RollingOut,
        Stage::Active,
    ];
}

wire_enum! {
    EventStatus {
        Started = "started",
        Progress = "progress",
        Succeeded = "succeeded",
        Failed = "failed",
    }
}

/// One entry of a deployment's append-only timeline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Event {
    pub id: String,
    pub stage: Stage,
    pub status: EventStatus,
    #[serde(default)]
    pub meta: serde_json::Map<String, Value>,
    /// The revision this event belongs to (an addition to the contract's fields).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revision_id: Option<String>,
    pub created_at: Timestamp,
}

impl Event {
    /// Replicas ready out of desired, when this is a rollout progress event.
    pub fn readiness(&self) -> Option<(u32, u32)> {
        let count = |k: &str| u32::try_from(self.meta.get(k)?.as_u64()?).ok();
        (self.stage == Stage::RollingOut).then_some((count("ready")?, count("desired")?))
    }
}

wire_enum! {
    LbStatus {
        Pending = "pending",
        Ready = "ready",
        None = "none",
    }
}

wire_enum! {
    Protocol {
        Http = "http",
        Tcp = "tcp",
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Listener {
    pub port: u16,
    pub protocol: Protocol,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Tls {
    pub issuer: String,
    pub expires_at: Timestamp,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoadBalancer {
    pub status: LbStatus,
    #[serde(default)]
    pub address: Option<String>,
    #[serde(default)]
    pub ports: Vec<Listener>,
    #[serde(default)]
    pub tls: Option<Tls>,
    /// [ours] While `pending`: since when, and why it still waits, where the cluster says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pending: Option<LbPending>,
}

/// [ours] What is known about a LoadBalancer still waiting for its address.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LbPending {
    /// When the LoadBalancer was asked for (the Service's creation).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub since: Option<Timestamp>,
    /// The latest event about it ("EnsuringLoadBalancer: Ensuring load balancer"), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

impl LoadBalancer {
    pub fn none() -> Self {
        Self {
            status: LbStatus::None,
            address: None,
            ports: Vec::new(),
            tls: None,
            pending: None,
        }
    }

    /// Waiting for an address on these ports, nothing more known.
    pub fn pending(ports: Vec<Listener>) -> Self {
        Self {
            status: LbStatus::Pending,
            ports,
            ..Self::none()
        }
    }
}

wire_enum! {
    Severity {
        Info = "info",
        Warning = "warning",
        Error = "error",
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Warning {
    pub code: String,
    pub severity: Severity,
    pub message: String,
    #[serde(default)]
    pub field: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct AnalyzeReport {
    pub warnings: Vec<Warning>,
}

/// What a teardown found: `already_clean` when a previous run had removed everything.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TeardownReport {
    pub already_clean: bool,
}

wire_enum! {
    SpaceStatus {
        Active = "active",
        Inactive = "inactive",
    }
}

/// A registered Kubernetes cluster that deployments land on. Never carries credentials.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Space {
    pub id: String,
    pub name: String,
    pub provider: String,
    pub space_type: String,
    pub cloud_account_id: String,
    pub status: SpaceStatus,
    /// JSON string: `{"clusterName","region"}` (+ `resourceGroup` on azure; on a kubeconfig
    /// account also `{"kubeconfig": "<path>", "context": "<name>"}`, never credentials).
    pub config: String,
    pub created_at: Timestamp,
    /// Whether the space's real cluster answers, from a live probe [ours]; absent on the
    /// simulated cluster (it always answers) and from servers that do not probe.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reachability: Option<Reachability>,
}

impl Space {
    /// A string of the space's `config` (`clusterName`, `region`, `context`, …).
    pub fn config_value(&self, key: &str) -> Option<String> {
        serde_json::from_str::<Value>(&self.config)
            .ok()?
            .get(key)?
            .as_str()
            .map(str::to_string)
    }

    /// Whether the space deploys to this kubeconfig context (its `context`, or the
    /// `clusterName` a kubeconfig space repeats it in).
    pub fn on_context(&self, context: &str) -> bool {
        self.config_value("context").as_deref() == Some(context)
            || self.config_value("clusterName").as_deref() == Some(context)
    }
}

wire_enum! {
    /// What a reachability probe found: `unreachable` (no answer, a timeout, a 5xx, or a
    /// kubeconfig that cannot be used), `forbidden` (it answers but refuses the kubeconfig
    /// user: 401/403), `revoked` (the cluster's access is revoked: nothing was asked).
    ReachabilityStatus {
        Reachable = "reachable",
        Unreachable = "unreachable",
        Forbidden = "forbidden",
        Revoked = "revoked",
    }
}

/// The outcome of a space's reachability probe, with what to do when it failed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Reachability {
    pub status: ReachabilityStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    pub checked_at: Timestamp,
}

/// Body of `POST /spaces`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NewSpace {
    pub name: String,
    pub provider: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub space_type: Option<String>,
    pub cloud_account_id: String,
    #[serde(default)]
    pub config: Value,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Namespace {
    pub name: String,
    pub managed_by_zopnight: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<Timestamp>,
}

/// A cluster discovered on a cloud account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Cluster {
    pub name: String,
    pub region: String,
    pub cloud_account_id: String,
    /// Whether access is registered, so that kubeconfigs can be minted for it.
    pub access_registered: bool,
    /// `sandbox` (simulated) or `kubernetes`.
    pub runtime: String,
    /// On a kubeconfig account: the provider the context's server reveals (`aws`, `gcp`,
    /// `azure`, else `kubeconfig`) [ours].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider: Option<String>,
}

/// A context of a kubeconfig file on this machine, that a space can be registered on (the
/// embedded engine only: a remote API deploys with the server's kubeconfigs) [ours].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LocalContext {
    /// The kubeconfig file holding it.
    pub kubeconfig: String,
    pub name: String,
    /// The API server's URL.
    pub server: String,
    /// `aws`, `gcp`, `azure` when the server tells, else `kubeconfig`.
    pub provider: String,
    pub region: String,
    /// Whether it is the file's `current-context`.
    pub current: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Environment {
    pub id: String,
    pub name: String,
    pub space_id: String,
    pub namespace: String,
    #[serde(default)]
    pub registry_url: Option<String>,
    pub created_at: Timestamp,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NewEnvironment {
    pub name: String,
    pub space_id: String,
    pub namespace: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub registry_url: Option<String>,
}

/// A change pushed to subscribers; the same shape as the `/ws` frames of the contract.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Change {
    Event {
        #[serde(rename = "deploymentId")]
        deployment_id: String,
        data: Event,
    },
    Deployment {
        data: Box<Deployment>,
    },
    Loadbalancer {
        #[serde(rename = "deploymentId")]
        deployment_id: String,
        data: LoadBalancer,
    },
    /// The deployment was torn down and removed (an addition to the contract's frames;
    /// clients ignore frame types they do not know).
    DeploymentDeleted {
        #[serde(rename = "deploymentId")]
        deployment_id: String,
    },
}

impl Change {
    pub fn deployment_id(&self) -> &str {
        match self {
            Self::Event { deployment_id, .. }
            | Self::Loadbalancer { deployment_id, .. }
            | Self::DeploymentDeleted { deployment_id } => deployment_id,
            Self::Deployment { data } => &data.id,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trips<T: Serialize + std::fmt::Debug + PartialEq + Copy>(
        all: &[T],
        as_str: fn(T) -> &'static str,
        parse: fn(&str) -> Option<T>,
    ) {
        for v in all {
            assert_eq!(
                serde_json::to_value(v).unwrap(),
                as_str(*v),
                "serde and as_str agree"
            );
            assert_eq!(parse(as_str(*v)), Some(*v));
        }
    }

    #[test]
    fn wire_strings_are_the_contracts() {
        round_trips(
            DeploymentStatus::ALL,
            DeploymentStatus::as_str,
            DeploymentStatus::parse,
        );
        round_trips(
            RevisionStatus::ALL,
            RevisionStatus::as_str,
            RevisionStatus::parse,
        );
        round_trips(Stage::ALL, Stage::as_str, Stage::parse);
        round_trips(EventStatus::ALL, EventStatus::as_str, EventStatus::parse);
        round_trips(Trigger::ALL, Trigger::as_str, Trigger::parse);
        assert_eq!(DeploymentStatus::RollingOut.as_str(), "rolling_out");
        assert_eq!(DeploymentStatus::parse("bogus"), None);
        assert!(Stage::Building < Stage::Active, "stages are ordered");
    }

    #[test]
    fn change_frames_have_the_contracts_shape() {
        let ev = Event {
            id: "ev_4".into(),
            stage: Stage::RollingOut,
            status: EventStatus::Succeeded,
            meta: serde_json::json!({"ready": 3, "desired": 3})
                .as_object()
                .unwrap()
                .clone(),
            revision_id: None,
            created_at: chrono::DateTime::from_timestamp(0, 0).unwrap(),
        };
        let frame = serde_json::to_value(Change::Event {
            deployment_id: "dep_1".into(),
            data: ev,
        })
        .unwrap();
        assert_eq!(frame["type"], "event");
        assert_eq!(frame["deploymentId"], "dep_1");
        assert_eq!(frame["data"]["stage"], "rolling_out");
        assert_eq!(frame["data"]["meta"]["ready"], 3);
        let lb = serde_json::to_value(Change::Loadbalancer {
            deployment_id: "dep_1".into(),
            data: LoadBalancer::none(),
        })
        .unwrap();
        assert_eq!(lb["type"], "loadbalancer");
        assert_eq!(lb["data"]["status"], "none");
    }
}

/// One changing request as `zopdeck serve` recorded it [ours]: who (the token's name and
/// role), what (method, route, target), and the answer's status — never a body or a secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AuditEntry {
    pub id: String,
    pub at: Timestamp,
    pub token_name: String,
    pub role: String,
    pub method: String,
    /// The route's pattern, e.g. `/deployments/{id}/configs`.
    pub route: String,
    /// The ids the request named (`dep_…`, `env_…/…`), or the one it created.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
    /// The deployment it acted on, when it acted on one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deployment_id: Option<String>,
    pub status: u16,
}

/// Which audit entries to list (all given conditions hold), newest first.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditFilter {
    pub deployment_id: Option<String>,
    /// A token's name.
    pub token: Option<String>,
    pub since: Option<Timestamp>,
}
