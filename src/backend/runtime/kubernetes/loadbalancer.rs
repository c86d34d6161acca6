//! A release's LoadBalancer on a real cluster: the Service's `status.loadBalancer.ingress` (ip
//! or hostname) and ports; while it has none, since when it waits and the Service's latest
//! event (the cloud controller's "why"); once it has one, TLS from a cert-manager
//! `Certificate` of the release when that API exists. Read once (`get`) or followed with
//! watches on the Service and its events (`watch`), never polled.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use futures::stream::{BoxStream, StreamExt};
use k8s_openapi::api::core::v1::{Event, Service};
use kube::api::{ApiResource, DynamicObject, ListParams};
use kube::runtime::{WatchStreamExt, watcher};
use kube::{Api, Client};
use tokio::sync::mpsc;

use super::client::{Clients, call};
use super::render::LABEL_INSTANCE;
use super::watch::{channel_stream, client_for, watch_error};
use crate::backend::model::{LbPending, LbStatus, Listener, LoadBalancer, Protocol, Tls};
use crate::backend::runtime::{ReleaseRef, RuntimeError, RuntimeResult};

fn timestamp(t: &k8s_openapi::jiff::Timestamp) -> Option<DateTime<Utc>> {
    DateTime::from_timestamp(t.as_second(), t.subsec_nanosecond().max(0) as u32)
}

/// A Service as the contract's LoadBalancer (`none` unless it is of type LoadBalancer); a
/// pending one says since when it waits.
pub(super) fn of_service(svc: &Service) -> LoadBalancer {
    let spec = svc.spec.as_ref();
    if spec.and_then(|s| s.type_.as_deref()) != Some("LoadBalancer") {
        return LoadBalancer::none();
    }
    let ports = spec
        .and_then(|s| s.ports.as_ref())
        .map(|ports| {
            ports
                .iter()
                .map(|p| Listener {
                    port: u16::try_from(p.port).unwrap_or_default(),
                    protocol: match p.name.as_deref() {
                        Some(n) if n.starts_with("http") => Protocol::Http,
                        _ => Protocol::Tcp,
                    },
                })
                .collect()
        })
        .unwrap_or_default();
    let address = svc
        .status
        .as_ref()
        .and_then(|s| s.load_balancer.as_ref())
        .and_then(|lb| lb.ingress.as_ref())
        .and_then(|ingress| {
            ingress
                .iter()
                .find_map(|i| i.hostname.clone().or_else(|| i.ip.clone()))
        });
    match address {
        Some(address) => LoadBalancer {
            status: LbStatus::Ready,
            address: Some(address),
            ports,
            tls: None,
            pending: None,
        },
        None => LoadBalancer {
            pending: Some(LbPending {
                since: svc
                    .metadata
                    .creation_timestamp
                    .as_ref()
                    .and_then(|t| timestamp(&t.0)),
                reason: None,
            }),
            ..LoadBalancer::pending(ports)
        },
    }
}

/// When an event last happened (its series, its last sighting, or its creation).
fn event_time(e: &Event) -> Option<DateTime<Utc>> {
    e.series
        .as_ref()
        .and_then(|s| s.last_observed_time.as_ref())
        .and_then(|t| timestamp(&t.0))
        .or_else(|| e.last_timestamp.as_ref().and_then(|t| timestamp(&t.0)))
        .or_else(|| e.event_time.as_ref().and_then(|t| timestamp(&t.0)))
        .or_else(|| {
            e.metadata
                .creation_timestamp
                .as_ref()
                .and_then(|t| timestamp(&t.0))
        })
}

/// An event in one line: "SyncLoadBalancerFailed: Error syncing load balancer: …".
fn event_text(e: &Event) -> Option<String> {
    let message = e
        .message
        .as_deref()
        .map(str::trim)
        .filter(|m| !m.is_empty());
    match (e.reason.as_deref(), message) {
        (Some(r), Some(m)) => Some(format!("{r}: {m}")),
        (Some(r), None) => Some(r.to_string()),
        (None, Some(m)) => Some(m.to_string()),
        (None, None) => None,
    }
}

/// The newest of these events.
fn newest<'a>(events: impl IntoIterator<Item = &'a Event>) -> Option<&'a Event> {
    events.into_iter().max_by_key(|e| event_time(e))
}

fn service_events(client: Client, r: &ReleaseRef) -> (Api<Event>, String) {
    (
        Api::namespaced(client, &r.namespace),
        format!("involvedObject.kind=Service,involvedObject.name={}", r.name),
    )
}

/// cert-manager's Certificate, looked up dynamically: the API may not be installed.
fn certificates(client: Client, namespace: &str) -> Api<DynamicObject> {
    let resource = ApiResource {
        group: "cert-manager.io".into(),
        version: "v1".into(),
        api_version: "cert-manager.io/v1".into(),
        kind: "Certificate".into(),
        plural: "certificates".into(),
    };
    Api::namespaced_with(client, namespace, &resource)
}

/// TLS of the release's address from a cert-manager Certificate that is the release's (named
/// after it, labelled as its instance, or naming the address among its `dnsNames`) and has
/// been issued. `None` when cert-manager is not installed, when no Certificate is the
/// release's, or when it cannot be read (said in the log: TLS is shown, never required).
async fn tls_of(client: Client, r: &ReleaseRef, address: &str) -> Option<Tls> {
    let list = match certificates(client, &r.namespace)
        .list(&ListParams::default())
        .await
    {
        Ok(list) => list,
        Err(kube::Error::Api(e)) if e.code == 404 => return None, // no cert-manager here
        Err(e) => {
            tracing::debug!(release = %r.name, "certificates: {e}");
            return None;
        }
    };
    certificate_of(&list.items, &r.name, address)
}

/// TLS from the first issued Certificate that is the release's: named after it, labelled as
/// its instance, or naming the address among its `dnsNames`.
fn certificate_of(items: &[DynamicObject], release: &str, address: &str) -> Option<Tls> {
    items
        .iter()
        .filter(|c| {
            let names = c.data["spec"]["dnsNames"].as_array();
            c.metadata.name.as_deref() == Some(release)
                || c.metadata
                    .labels
                    .as_ref()
                    .and_then(|l| l.get(LABEL_INSTANCE))
                    .is_some_and(|v| v == release)
                || names.is_some_and(|n| n.iter().any(|d| d.as_str() == Some(address)))
        })
        .find_map(certificate_tls)
}

/// Issuer and expiry of an issued Certificate ("letsencrypt (ClusterIssuer)").
fn certificate_tls(c: &DynamicObject) -> Option<Tls> {
    let expires_at = c.data["status"]["notAfter"]
        .as_str()
        .and_then(|t| DateTime::parse_from_rfc3339(t).ok())?
        .with_timezone(&Utc);
    let issuer = &c.data["spec"]["issuerRef"];
    let name = issuer["name"].as_str()?;
    let issuer = match issuer["kind"].as_str() {
        Some(kind) if kind != "Issuer" => format!("{name} ({kind})"),
        _ => name.to_string(),
    };
    Some(Tls { issuer, expires_at })
}

/// Completes what the Service says with what else the cluster knows: the latest event while
/// pending, TLS once there is an address.
async fn complete(
    client: &Client,
    r: &ReleaseRef,
    mut lb: LoadBalancer,
    event: Option<&Event>,
) -> LoadBalancer {
    if let Some(p) = lb.pending.as_mut() {
        p.reason = event.and_then(event_text);
    } else if let Some(address) = lb.address.clone() {
        lb.tls = tls_of(client.clone(), r, &address).await;
    }
    lb
}

/// The release's LoadBalancer now.
pub(super) async fn get(client: Client, r: &ReleaseRef) -> RuntimeResult<LoadBalancer> {
    let api: Api<Service> = Api::namespaced(client.clone(), &r.namespace);
    let svc = call(
        &r.cluster.name,
        &format!("get service {} in {}", r.name, r.namespace),
        api.get_opt(&r.name),
    )
    .await?;
    let Some(svc) = svc else {
        return Ok(LoadBalancer::none());
    };
    let lb = of_service(&svc);
    let events = if lb.pending.is_some() {
        let (api, fields) = service_events(client.clone(), r);
        match api.list(&ListParams::default().fields(&fields)).await {
            Ok(list) => list.items,
            Err(e) => {
                tracing::debug!(release = %r.name, "service events: {e}");
                Vec::new()
            }
        }
    } else {
        Vec::new()
    };
    Ok(complete(&client, r, lb, newest(&events)).await)
}

/// The release's LoadBalancer now and at every change (of the Service or of its events).
pub(super) fn watch(
    clients: Arc<Clients>,
    release: ReleaseRef,
) -> BoxStream<'static, RuntimeResult<LoadBalancer>> {
    let (tx, rx) = mpsc::channel(8);
    tokio::spawn(async move {
        if let Err(e) = follow(&clients, &release, &tx).await {
            let _ = tx.send(Err(e)).await;
        }
    });
    channel_stream(rx)
}

async fn follow(
    clients: &Clients,
    r: &ReleaseRef,
    tx: &mpsc::Sender<RuntimeResult<LoadBalancer>>,
) -> RuntimeResult<()> {
    let client = client_for(clients, &r.cluster).await?;
    let api: Api<Service> = Api::namespaced(client.clone(), &r.namespace);
    let mut services = watcher(
        api,
        watcher::Config::default().fields(&format!("metadata.name={}", r.name)),
    )
    .default_backoff()
    .boxed();
    let (events_api, fields) = service_events(client.clone(), r);
    let mut events = watcher(events_api, watcher::Config::default().fields(&fields))
        .default_backoff()
        .boxed();
    let mut service: Option<LoadBalancer> = None;
    let mut seen = false;
    let mut latest: Option<Event> = None;
    let mut last: Option<LoadBalancer> = None;
    loop {
        tokio::select! {
            ev = services.next() => match ev {
                Some(Ok(watcher::Event::Apply(s) | watcher::Event::InitApply(s))) => {
                    seen = true;
                    service = Some(of_service(&s));
                }
                Some(Ok(watcher::Event::Delete(_))) => service = Some(LoadBalancer::none()),
                Some(Ok(watcher::Event::InitDone)) if !seen => service = Some(LoadBalancer::none()),
                Some(Ok(_)) => continue,
                Some(Err(e)) => {
                    let e = watch_error(&r.cluster.name, &format!("service {}", r.name), &e);
                    if !e.is_transient() { return Err(e); }
                    tracing::debug!(release = %r.name, "service watch: {e}");
                    continue;
                }
                None => return Err(RuntimeError::Transient("the service watch ended".into())),
            },
            ev = events.next() => match ev {
                Some(Ok(watcher::Event::Apply(e) | watcher::Event::InitApply(e))) => {
                    if latest.as_ref().is_none_or(|l| event_time(l) <= event_time(&e)) {
                        latest = Some(e);
                    }
                }
                Some(Ok(_)) => continue,
                // The reason is a courtesy: a watch of events that fails (not allowed to list
                // events, say) leaves it out, nothing more.
                Some(Err(e)) => {
                    tracing::debug!(release = %r.name, "service events watch: {e}");
                    continue;
                }
                None => continue,
            },
            () = tx.closed() => return Ok(()),
        }
        let Some(lb) = service.clone() else {
            continue;
        };
        let lb = complete(&client, r, lb, latest.as_ref()).await;
        if last.as_ref() != Some(&lb) {
            if tx.send(Ok(lb.clone())).await.is_err() {
                return Ok(());
            }
            last = Some(lb);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn certificate(value: serde_json::Value) -> DynamicObject {
        serde_json::from_value(value).expect("a Certificate")
    }

    fn event(reason: &str, message: &str, last: i64) -> Event {
        serde_json::from_value(json!({
            "metadata": {"name": format!("e{last}"), "namespace": "ns"},
            "involvedObject": {"kind": "Service", "name": "web"},
            "reason": reason,
            "message": message,
            "lastTimestamp": chrono::DateTime::from_timestamp(last, 0).unwrap().to_rfc3339(),
        }))
        .unwrap()
    }

    #[test]
    fn the_newest_event_is_the_reason_in_one_line() {
        let events = [
            event("EnsuringLoadBalancer", "Ensuring load balancer", 100),
            event(
                "SyncLoadBalancerFailed",
                "Error syncing load balancer: quota exceeded ",
                200,
            ),
            event("EnsuringLoadBalancer", "Ensuring load balancer", 150),
        ];
        assert_eq!(
            newest(&events).and_then(event_text).as_deref(),
            Some("SyncLoadBalancerFailed: Error syncing load balancer: quota exceeded")
        );
    }

    #[test]
    fn a_pending_service_says_since_when() {
        let svc: Service = serde_json::from_value(json!({
            "metadata": {"name": "web", "creationTimestamp": "2026-12-02T10:00:00Z"},
            "spec": {"type": "LoadBalancer", "ports": [{"name": "http-443", "port": 443}]},
        }))
        .unwrap();
        let lb = of_service(&svc);
        assert_eq!(lb.status, LbStatus::Pending);
        assert_eq!(
            lb.pending.and_then(|p| p.since).map(|t| t.to_rfc3339()),
            Some("2026-12-02T10:00:00+00:00".into())
        );
        assert_eq!(
            lb.ports,
            [Listener {
                port: 443,
                protocol: Protocol::Http
            }]
        );
    }

    #[test]
    fn an_issued_certificate_gives_issuer_and_expiry() {
        let c = certificate(json!({
            "apiVersion": "cert-manager.io/v1", "kind": "Certificate",
            "metadata": {"name": "web"},
            "spec": {"secretName": "web-tls", "issuerRef": {"name": "letsencrypt", "kind": "ClusterIssuer"}},
            "status": {"notAfter": "2027-03-01T12:00:00Z"},
        }));
        let tls = certificate_tls(&c).unwrap();
        assert_eq!(tls.issuer, "letsencrypt (ClusterIssuer)");
        assert_eq!(tls.expires_at.to_rfc3339(), "2027-03-01T12:00:00+00:00");
        let unissued = certificate(json!({
            "apiVersion": "cert-manager.io/v1", "kind": "Certificate",
            "metadata": {"name": "web"},
            "spec": {"issuerRef": {"name": "ca"}},
        }));
        assert_eq!(certificate_tls(&unissued), None);
    }

    #[test]
    fn the_certificate_is_the_releases_by_name_label_or_dns_name() {
        let cert = |name: &str, labels: serde_json::Value, dns: &[&str], issuer: &str| {
            certificate(json!({
                "apiVersion": "cert-manager.io/v1", "kind": "Certificate",
                "metadata": {"name": name, "labels": labels},
                "spec": {"dnsNames": dns, "issuerRef": {"name": issuer}},
                "status": {"notAfter": "2027-03-01T12:00:00Z"},
            }))
        };
        let other = cert("other", json!({}), &["other.example"], "wrong");
        let by_dns = cert("web-tls", json!({}), &["web.example"], "by-dns");
        let by_label = cert("x", json!({LABEL_INSTANCE: "web"}), &[], "by-label");
        let by_name = cert("web", json!({}), &[], "by-name");
        let issuer =
            |items: &[DynamicObject]| certificate_of(items, "web", "web.example").map(|t| t.issuer);
        assert_eq!(issuer(std::slice::from_ref(&other)), None);
        assert_eq!(issuer(&[other.clone(), by_dns]).as_deref(), Some("by-dns"));
        assert_eq!(
            issuer(&[other.clone(), by_label]).as_deref(),
            Some("by-label")
        );
        assert_eq!(issuer(&[other, by_name]).as_deref(), Some("by-name"));
    }
}
