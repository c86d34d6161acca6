//! A kubeconfig file's contexts as the clusters of a cloud account: each context's name and
//! server, and the provider and region inferred from them (EKS, AKS and GKE endpoints, the
//! context names their CLIs write, their credential plugins), `kubeconfig` otherwise.

use std::path::{Path, PathBuf};

use kube::config::Kubeconfig;

use crate::backend::runtime::{RuntimeError, RuntimeResult};

/// The region of a context whose server shows none (a kind or k3d cluster, a bare IP).
/// The region is part of a cluster's key in the contract (`/clusters/{region}/{name}/access`)
/// and aws/gcp spaces must carry one, so it cannot be empty: a fixed word keeps the routes
/// usable and says where the cluster came from, while a real region, where the server URL
/// tells it, keeps the field's meaning for EKS, AKS and GKE contexts.
pub const UNKNOWN_REGION: &str = "kubeconfig";

/// The provider of a context whose server reveals no cloud.
pub const KUBECONFIG_PROVIDER: &str = "kubeconfig";

/// One context of a kubeconfig file, as a discovered cluster.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContextInfo {
    pub name: String,
    pub server: String,
    pub provider: String,
    pub region: String,
    /// Whether it is the file's `current-context`.
    pub current: bool,
}

/// The contexts of a kubeconfig file with what their servers tell. Reads names and URLs only:
/// credentials in the file are neither kept nor returned.
pub fn discover(kubeconfig: &Path) -> RuntimeResult<Vec<ContextInfo>> {
    let kc = Kubeconfig::read_from(kubeconfig).map_err(|e| {
        RuntimeError::Rejected(format!(
            "cannot read the kubeconfig {}: {e} — check the path (--kubeconfig, $KUBECONFIG)",
            kubeconfig.display()
        ))
    })?;
    Ok(kc
        .contexts
        .iter()
        .map(|named| {
            let ctx = named.context.as_ref();
            let server = ctx
                .and_then(|c| kc.clusters.iter().find(|k| k.name == c.cluster))
                .and_then(|k| k.cluster.as_ref())
                .and_then(|k| k.server.clone())
                .unwrap_or_default();
            let exec = ctx
                .and_then(|c| c.user.as_deref())
                .and_then(|u| kc.auth_infos.iter().find(|a| a.name == u))
                .and_then(|a| a.auth_info.as_ref())
                .and_then(|a| a.exec.as_ref())
                .map(|e| {
                    let mut words = vec![e.command.clone().unwrap_or_default()];
                    words.extend(e.args.clone().unwrap_or_default());
                    words
                })
                .unwrap_or_default();
            let inferred = infer(&named.name, &server, &exec);
            ContextInfo {
                name: named.name.clone(),
                server,
                provider: inferred.provider.to_string(),
                region: inferred.region.unwrap_or_else(|| UNKNOWN_REGION.into()),
                current: kc.current_context.as_deref() == Some(named.name.as_str()),
            }
        })
        .collect())
}

/// The kubeconfig files of this machine, as kubectl reads them: those `$KUBECONFIG` lists
/// that exist, else `~/.kube/config` (when it exists).
pub fn local_kubeconfigs() -> Vec<PathBuf> {
    let listed: Vec<PathBuf> = std::env::var_os("KUBECONFIG")
        .map(|v| std::env::split_paths(&v).filter(|p| p.is_file()).collect())
        .unwrap_or_default();
    if !listed.is_empty() {
        return listed;
    }
    directories::BaseDirs::new()
        .map(|d| d.home_dir().join(".kube").join("config"))
        .filter(|p| p.is_file())
        .into_iter()
        .collect()
}

/// The kubeconfig to use when none is named: the file of `$KUBECONFIG` (a list of paths)
/// that holds `context`, else its first existing file, else `~/.kube/config`.
pub fn default_kubeconfig(context: Option<&str>) -> Option<PathBuf> {
    let listed: Vec<PathBuf> = std::env::var_os("KUBECONFIG")
        .map(|v| std::env::split_paths(&v).filter(|p| p.is_file()).collect())
        .unwrap_or_default();
    let holding = context.and_then(|ctx| {
        listed
            .iter()
            .find(|p| discover(p).is_ok_and(|list| list.iter().any(|c| c.name == ctx)))
    });
    holding
        .or_else(|| listed.first())
        .cloned()
        .or_else(|| directories::BaseDirs::new().map(|d| d.home_dir().join(".kube").join("config")))
}

/// What a context reveals about where its cluster runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Inferred {
    /// `aws`, `gcp`, `azure` or `kubeconfig`.
    pub provider: &'static str,
    pub region: Option<String>,
}

/// Infers the provider (and region) from the server URL first, then from the context name
/// the cloud's CLI writes (`arn:aws:eks:<region>:…`, `gke_<project>_<location>_<cluster>`),
/// then from the credential plugin (`exec`: command and args). GKE's classic endpoint is a
/// bare IP, so a GKE context is often known by its name or plugin alone.
pub fn infer(context: &str, server: &str, exec: &[String]) -> Inferred {
    let found = |provider, region: Option<String>| Inferred { provider, region };
    let (host, path) = host_and_path(server);
    let labels: Vec<&str> = host.split('.').collect();
    // The label just before `suffix` (`…<region>.eks.amazonaws.com`).
    let before = |suffix: &[&str]| -> Option<&str> {
        let n = labels.len();
        let k = suffix.len();
        (n > k && labels[n - k..] == *suffix).then(|| labels[n - k - 1])
    };
    if let Some(r) =
        before(&["eks", "amazonaws", "com"]).or(before(&["eks", "amazonaws", "com", "cn"]))
    {
        return found("aws", Some(r.to_string()).filter(|r| aws_region(r)));
    }
    if let Some(r) = before(&["azmk8s", "io"]) {
        let region = Some(r)
            .filter(|r| !matches!(*r, "hcp" | "privatelink" | "portal"))
            .filter(|r| {
                !r.is_empty()
                    && r.chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
            })
            .map(str::to_string);
        return found("azure", region);
    }
    if let Some(r) = before(&["gke", "goog"]) {
        return found("gcp", gcp_region(r));
    }
    if host.ends_with(".googleapis.com") {
        let location = path
            .split('/')
            .skip_while(|s| *s != "locations")
            .nth(1)
            .unwrap_or("");
        return found("gcp", gcp_region(location));
    }
    if let Some(rest) = context.strip_prefix("arn:aws:eks:") {
        let region = rest.split(':').next().filter(|r| aws_region(r));
        return found("aws", region.map(str::to_string));
    }
    if let Some(rest) = context.strip_prefix("gke_") {
        // gke_<project>_<location>_<cluster>; project ids hold no `_`.
        return found("gcp", rest.split('_').nth(1).and_then(gcp_region));
    }
    let command = exec
        .first()
        .map(|c| c.rsplit(['/', '\\']).next().unwrap_or(c))
        .unwrap_or("");
    let arg_after = |flag: &str| {
        exec.iter()
            .position(|a| a == flag)
            .and_then(|i| exec.get(i + 1))
            .cloned()
    };
    match command {
        "gke-gcloud-auth-plugin" => found("gcp", None),
        "aws-iam-authenticator" => found("aws", arg_after("--region").filter(|r| aws_region(r))),
        "aws" if exec.iter().any(|a| a == "eks") => {
            found("aws", arg_after("--region").filter(|r| aws_region(r)))
        }
        "kubelogin" => found("azure", None),
        _ => found(KUBECONFIG_PROVIDER, None),
    }
}

/// Host (lowercase, no port) and path of a server URL.
fn host_and_path(server: &str) -> (String, &str) {
    let rest = server.split_once("://").map_or(server, |(_, r)| r);
    let (authority, path) = rest.split_once('/').unwrap_or((rest, ""));
    let host = authority.rsplit('@').next().unwrap_or(authority);
    let host = if host.starts_with('[') {
        host.split(']')
            .next()
            .unwrap_or(host)
            .trim_start_matches('[')
    } else {
        host.split(':').next().unwrap_or(host)
    };
    (host.trim_end_matches('.').to_ascii_lowercase(), path)
}

/// `us-east-1`, `eu-central-2`, `us-gov-west-1`, `cn-north-1`.
fn aws_region(r: &str) -> bool {
    let parts: Vec<&str> = r.split('-').collect();
    parts.len() >= 3
        && parts[0].len() == 2
        && parts[..parts.len() - 1]
            .iter()
            .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_lowercase()))
        && parts[parts.len() - 1].chars().all(|c| c.is_ascii_digit())
        && !parts[parts.len() - 1].is_empty()
}

/// A GCP region from a location: `us-central1` as is, a zone `us-central1-a` to its region.
fn gcp_region(location: &str) -> Option<String> {
    let parts: Vec<&str> = location.split('-').collect();
    let region_like = |p: &[&str]| {
        p.len() == 2
            && p[0].chars().all(|c| c.is_ascii_lowercase())
            && !p[0].is_empty()
            && p[1].ends_with(|c: char| c.is_ascii_digit())
            && p[1]
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
    };
    match parts.as_slice() {
        [a, b] if region_like(&[a, b]) => Some(location.to_string()),
        [a, b, zone] if region_like(&[a, b]) && zone.len() == 1 => Some(format!("{a}-{b}")),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(s: &str) -> Vec<String> {
        s.split_whitespace().map(str::to_string).collect()
    }

    #[test]
    fn the_provider_and_region_come_from_what_the_context_shows() {
        // (context, server, exec, provider, region)
        let table: &[(&str, &str, &str, &str, Option<&str>)] = &[
            // EKS: the region is in the endpoint.
            (
                "prod",
                "https://ABCDEF0123456789.gr7.us-east-1.eks.amazonaws.com",
                "",
                "aws",
                Some("us-east-1"),
            ),
            (
                "p",
                "https://0A1B2C.yl4.eu-central-2.eks.amazonaws.com:443/",
                "",
                "aws",
                Some("eu-central-2"),
            ),
            (
                "gov",
                "https://X.sk1.us-gov-west-1.eks.amazonaws.com",
                "",
                "aws",
                Some("us-gov-west-1"),
            ),
            (
                "cn",
                "https://X.cn-north-1.eks.amazonaws.com.cn",
                "",
                "aws",
                Some("cn-north-1"),
            ),
            ("odd", "https://X.eks.amazonaws.com", "", "aws", None),
            // EKS by the context name `aws eks update-kubeconfig` writes, or its plugin.
            (
                "arn:aws:eks:ap-south-1:123456789012:cluster/shop",
                "https://10.0.0.1",
                "",
                "aws",
                Some("ap-south-1"),
            ),
            (
                "eks-by-plugin",
                "https://10.0.0.1",
                "aws --region us-west-2 eks get-token --cluster-name x",
                "aws",
                Some("us-west-2"),
            ),
            (
                "iam",
                "https://10.0.0.1",
                "/usr/local/bin/aws-iam-authenticator token -i x",
                "aws",
                None,
            ),
            // AKS: public, private and portal endpoints.
            (
                "aks",
                "https://myaks-dns-1a2b3c4d.hcp.eastus.azmk8s.io:443",
                "",
                "azure",
                Some("eastus"),
            ),
            (
                "aks-private",
                "https://myaks-5e6f.privatelink.westeurope.azmk8s.io:443",
                "",
                "azure",
                Some("westeurope"),
            ),
            (
                "aks-portal",
                "https://myaks.portal.hcp.northeurope.azmk8s.io",
                "",
                "azure",
                Some("northeurope"),
            ),
            ("aks-odd", "https://x.hcp.azmk8s.io", "", "azure", None),
            (
                "aks-login",
                "https://1.2.3.4",
                "kubelogin get-token --server-id x",
                "azure",
                None,
            ),
            // GKE: DNS endpoint, the Connect gateway, and the classic bare IP known by its
            // context name or its plugin.
            (
                "dns",
                "https://gke-0123456789abcdef-123456789012.us-central1.gke.goog",
                "",
                "gcp",
                Some("us-central1"),
            ),
            (
                "gw",
                "https://connectgateway.googleapis.com/v1/projects/123/locations/europe-west4/gkeMemberships/c",
                "",
                "gcp",
                Some("europe-west4"),
            ),
            (
                "gw-global",
                "https://connectgateway.googleapis.com/v1/projects/123/locations/global/gkeMemberships/c",
                "",
                "gcp",
                None,
            ),
            (
                "c",
                "https://container.googleapis.com/v1/projects/p/locations/us-east1-b/clusters/c",
                "",
                "gcp",
                Some("us-east1"),
            ),
            (
                "gke_acme-prod_europe-west1_shop",
                "https://34.76.1.2",
                "",
                "gcp",
                Some("europe-west1"),
            ),
            (
                "gke_acme-prod_us-central1-a_shop",
                "https://34.76.1.2",
                "",
                "gcp",
                Some("us-central1"),
            ),
            (
                "ip-only",
                "https://34.76.1.2",
                "gke-gcloud-auth-plugin",
                "gcp",
                None,
            ),
            // Anything else: a kubeconfig cluster, region unknown.
            (
                "kind-dev",
                "https://127.0.0.1:40123",
                "",
                "kubeconfig",
                None,
            ),
            ("k3d", "https://0.0.0.0:6550", "", "kubeconfig", None),
            ("v6", "https://[::1]:6443", "", "kubeconfig", None),
            (
                "lookalike",
                "https://eks.amazonaws.com.evil.example",
                "",
                "kubeconfig",
                None,
            ),
            ("empty", "", "", "kubeconfig", None),
        ];
        for (context, server, exec, provider, region) in table {
            let got = infer(context, server, &words(exec));
            assert_eq!(
                (got.provider, got.region.as_deref()),
                (*provider, *region),
                "{context} {server} {exec}"
            );
        }
    }

    #[test]
    fn a_kubeconfig_file_gives_its_contexts_without_credentials() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("config");
        std::fs::write(
            &file,
            r#"apiVersion: v1
kind: Config
clusters:
- name: eks
  cluster: {server: "https://AB.gr7.us-east-1.eks.amazonaws.com"}
- name: local
  cluster: {server: "https://127.0.0.1:6443"}
users:
- name: u
  user: {token: secret-token-value}
contexts:
- name: prod
  context: {cluster: eks, user: u}
- name: dev
  context: {cluster: local, user: u}
current-context: dev
"#,
        )
        .unwrap();
        let found = discover(&file).unwrap();
        assert_eq!(
            found,
            vec![
                ContextInfo {
                    name: "prod".into(),
                    server: "https://AB.gr7.us-east-1.eks.amazonaws.com".into(),
                    provider: "aws".into(),
                    region: "us-east-1".into(),
                    current: false,
                },
                ContextInfo {
                    name: "dev".into(),
                    server: "https://127.0.0.1:6443".into(),
                    provider: "kubeconfig".into(),
                    region: UNKNOWN_REGION.into(),
                    current: true,
                },
            ]
        );
        assert!(!format!("{found:?}").contains("secret-token-value"));
        let e = discover(&dir.path().join("missing")).unwrap_err();
        assert!(e.message().contains("cannot read the kubeconfig"), "{e}");
    }
}
