//! Domain types of the ZopNight API contract, shared by every backend.
//! Field names and enum spellings follow `shared/api/README.md` exactly (camelCase JSON).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

pub type Timestamp = DateTime<Utc>;

/// Where a deployment stands in its lifecycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeploymentStatus {
    Pending,
    Building,
    Deploying,
    RollingOut,
    Active,
    Failed,
    TearingDown,
}

impl DeploymentStatus {
    pub const ALL: [DeploymentStatus; 7] = [
        Self::Pending,
        Self::Building,
        Self::Deploying,
        Self::RollingOut,
        Self::Active,
        Self::Failed,
        Self::TearingDown,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Building => "building",
            Self::Deploying => "deploying",
            Self::RollingOut => "rolling_out",
            Self::Active => "active",
            Self::Failed => "failed",
            Self::TearingDown => "tearing_down",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.as_str() == s)
    }

    /// True while the engine is still working on the deployment.
    pub fn is_in_progress(self) -> bool {
        matches!(
            self,
            Self::Pending | Self::Building | Self::Deploying | Self::RollingOut | Self::TearingDown
        )
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SourceType {
    Git,
    Image,
}

impl SourceType {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Git => "git",
            Self::Image => "image",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "git" => Some(Self::Git),
            "image" => Some(Self::Image),
            _ => None,
        }
    }
}

/// A card's place on the environment canvas, in canvas pixels. Always finite.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct CanvasPosition {
    pub x: f64,
    pub y: f64,
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
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// Body of `POST /deployments`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
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
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub canvas_position: Option<CanvasPosition>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Trigger {
    Create,
    Push,
    Config,
    Manual,
    Rollback,
}

impl Trigger {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Create => "create",
            Self::Push => "push",
            Self::Config => "config",
            Self::Manual => "manual",
            Self::Rollback => "rollback",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        [
            Self::Create,
            Self::Push,
            Self::Config,
            Self::Manual,
            Self::Rollback,
        ]
        .into_iter()
        .find(|v| v.as_str() == s)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RevisionStatus {
    Pending,
    Building,
    Deploying,
    RollingOut,
    Active,
    Failed,
    Superseded,
}

impl RevisionStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Building => "building",
            Self::Deploying => "deploying",
            Self::RollingOut => "rolling_out",
            Self::Active => "active",
            Self::Failed => "failed",
            Self::Superseded => "superseded",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        [
            Self::Pending,
            Self::Building,
            Self::Deploying,
            Self::RollingOut,
            Self::Active,
            Self::Failed,
            Self::Superseded,
        ]
        .into_iter()
        .find(|v| v.as_str() == s)
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
#[serde(rename_all = "camelCase")]
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

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    Building,
    Deploying,
    RollingOut,
    Active,
}

impl Stage {
    pub const ALL: [Stage; 4] = [
        Self::Building,
        Self::Deploying,
        Self::RollingOut,
        Self::Active,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Building => "building",
            Self::Deploying => "deploying",
            Self::RollingOut => "rolling_out",
            Self::Active => "active",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.as_str() == s)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventStatus {
    Started,
    Progress,
    Succeeded,
    Failed,
}

impl EventStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Started => "started",
            Self::Progress => "progress",
            Self::Succeeded => "succeeded",
            Self::Failed => "failed",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        [Self::Started, Self::Progress, Self::Succeeded, Self::Failed]
            .into_iter()
            .find(|v| v.as_str() == s)
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

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LbStatus {
    Pending,
    Ready,
    None,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Protocol {
    Http,
    Tcp,
}

impl Protocol {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Http => "http",
            Self::Tcp => "tcp",
        }
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
}

impl LoadBalancer {
    pub fn none() -> Self {
        Self {
            status: LbStatus::None,
            address: None,
            ports: Vec::new(),
            tls: None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Info,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Info => "info",
            Self::Warning => "warning",
            Self::Error => "error",
        }
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

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SpaceStatus {
    Active,
    Inactive,
}

impl SpaceStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::Inactive => "inactive",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "active" => Some(Self::Active),
            "inactive" => Some(Self::Inactive),
            _ => None,
        }
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
    /// JSON string: `{"clusterName","region"}` (+ `resourceGroup` on azure).
    pub config: String,
    pub created_at: Timestamp,
}

/// Body of `POST /spaces`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
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
#[serde(rename_all = "camelCase")]
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
