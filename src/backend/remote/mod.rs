//! The remote backend: the ZopNight HTTP API through reqwest, with the bearer token,
//! timeouts, retries with back-off and jitter for idempotent calls (every POST carries an
//! `Idempotency-Key`, kept across its retries), and live updates from `/ws` when the server
//! offers it, reconnecting with back-off.

mod etags;
mod live;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Weak};
use std::time::Duration;

use async_trait::async_trait;
use reqwest::{Method, StatusCode};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use tokio::sync::broadcast;

use crate::backend::error::{BackendError, Result};
use crate::backend::model::*;
use crate::backend::{Backend, BackendKind, LiveMode, Subscription};

const ATTEMPTS: u32 = 3;
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// Items asked for per page of a list.
const PAGE: usize = 500;

pub struct RemoteBackend {
    base: String,
    token: String,
    http: reqwest::Client,
    timeout: Duration,
    /// Where each request URL was last redirected to, to name it when it cannot be reached.
    redirects: Redirects,
    bus: broadcast::Sender<Change>,
    /// Bumped when the live stream connects or drops: subscribers reload then.
    external: tokio::sync::watch::Sender<u64>,
    /// Whether to use the server's `/ws` stream at all (else: polling only).
    websocket: bool,
    /// Set once the first subscriber started the stream (headless commands never do).
    stream_started: AtomicBool,
    /// Whether the stream is connected right now.
    streaming: AtomicBool,
    /// Answers of recent GETs with their ETags (for `If-None-Match`).
    etags: etags::Etags,
    me: Weak<RemoteBackend>,
}

/// How to talk to a server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RemoteOptions {
    /// Use the `/ws` live stream when the server offers it (else poll only).
    pub websocket: bool,
    /// How long one request may take, answer included (`--request-timeout`).
    pub timeout: Duration,
}

impl Default for RemoteOptions {
    fn default() -> Self {
        Self {
            websocket: true,
            timeout: Duration::from_secs(30),
        }
    }
}

impl RemoteBackend {
    /// A client of the API at `base` (e.g. `https://zopnight.com/api`).
    pub fn connect(base: &str, token: &str) -> Result<Arc<Self>> {
        Self::connect_with(base, token, RemoteOptions::default())
    }

    /// Like `connect`; the live stream starts with the first `subscribe`.
    pub fn connect_with(base: &str, token: &str, options: RemoteOptions) -> Result<Arc<Self>> {
        match reqwest::Url::parse(base) {
            Ok(u) if matches!(u.scheme(), "http" | "https") && u.host().is_some() => {}
            _ => {
                return Err(BackendError::Validation {
                    message: format!(
                        "the API URL must be an http:// or https:// URL, e.g. https://zopnight.com/api (got {base:?})"
                    ),
                    field: Some("api_url".into()),
                });
            }
        }
        let redirects = Redirects::default();
        let http = reqwest::Client::builder()
            .connect_timeout(options.timeout.min(CONNECT_TIMEOUT))
            .timeout(options.timeout)
            .redirect(redirects.policy())
            .build()
            .map_err(|e| BackendError::Internal(format!("cannot build the HTTP client: {e}")))?;
        let (bus, _) = broadcast::channel(4096);
        let (external, _) = tokio::sync::watch::channel(0);
        Ok(Arc::new_cyclic(|me| Self {
            base: base.trim_end_matches('/').to_string(),
            token: token.to_string(),
            http,
            timeout: options.timeout,
            redirects,
            bus,
            external,
            websocket: options.websocket,
            stream_started: AtomicBool::new(false),
            streaming: AtomicBool::new(false),
            etags: etags::Etags::default(),
            me: me.clone(),
        }))
    }

    pub fn base(&self) -> &str {
        &self.base
    }

    /// One API call, retried with back-off when it is safe to repeat; returns `data`.
    async fn call<T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> Result<Answered<T>> {
        let url = format!("{}{path}", self.base);
        let key = (method == Method::POST).then(|| uuid::Uuid::new_v4().to_string());
        let mut attempt = 0;
        loop {
            attempt += 1;
            self.redirects.forget(&url);
            let mut req = self
                .http
                .request(method.clone(), &url)
                .bearer_auth(&self.token);
            if let Some(k) = &key {
                req = req.header("Idempotency-Key", k);
            }
            let tag = (method == Method::GET)
                .then(|| self.etags.tag(&url))
                .flatten();
            if let Some(tag) = &tag {
                req = req.header(reqwest::header::IF_NONE_MATCH, tag);
            }
            if let Some(b) = &body {
                req = req.json(b);
            }
            let outcome = match receive(req).await {
                Ok(answer) => decode(self.revalidated(&url, answer), path, &self.base),
                // A server that took the request and never answered: retrying would only
                // make the wait longer than --request-timeout promises.
                Err(e) if e.is_timeout() && !e.is_connect() => {
                    return Err(self.timed_out(&method, &url));
                }
                Err(e) if e.is_body() || e.is_decode() => Err(BackendError::Unavailable(format!(
                    "reading the answer from {url} failed: {}",
                    root_cause(&e)
                ))),
                Err(e) => Err(BackendError::Unavailable(self.unreachable(&url, &e))),
            };
            match outcome {
                Err(BackendError::Unavailable(_) | BackendError::Internal(_))
                    if attempt < ATTEMPTS =>
                {
                    // Every call here is idempotent (POSTs carry their key): retry after a pause.
                    let base = Duration::from_millis(200 * 2u64.pow(attempt));
                    let jitter =
                        Duration::from_millis(u64::from(uuid::Uuid::new_v4().as_bytes()[0]));
                    tokio::time::sleep(base + jitter).await;
                }
                other => return other,
            }
        }
    }

    async fn get<T: DeserializeOwned>(&self, path: &str) -> Result<T> {
        Ok(self.call(Method::GET, path, None).await?.data)
    }

    /// A whole list, page by page (`?limit=…&cursor=…`) as the server offers; a server that
    /// does not page answers everything at once.
    async fn list<T: DeserializeOwned>(&self, path: &str) -> Result<Vec<T>> {
        let sep = if path.contains('?') { '&' } else { '?' };
        let mut all = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let page = match &cursor {
                None => format!("{path}{sep}limit={PAGE}"),
                Some(c) => format!("{path}{sep}limit={PAGE}&cursor={}", enc(c)),
            };
            let answered: Answered<Vec<T>> = self.call(Method::GET, &page, None).await?;
            all.extend(answered.data);
            match answered.next_cursor {
                Some(next) if cursor.as_ref() != Some(&next) => cursor = Some(next),
                Some(_) => {
                    return Err(BackendError::Internal(format!(
                        "the server gave the same cursor twice for {path}: its paging is broken"
                    )));
                }
                None => return Ok(all),
            }
        }
    }

    /// A 304 answered from the kept body; a fresh answer with a tag kept for next time.
    fn revalidated(&self, url: &str, mut answer: Answer) -> Answer {
        if answer.status == StatusCode::NOT_MODIFIED {
            match self.etags.not_modified(url) {
                Some(body) => {
                    answer.status = StatusCode::OK;
                    answer.text = body;
                }
                // Nothing kept: the retry asks again without a tag.
                None => self.etags.forget(url),
            }
        } else if answer.status == StatusCode::OK
            && let Some(tag) = answer.etag.take()
        {
            self.etags.keep(url, tag, &answer.text);
        }
        answer
    }

    /// The answer of a route of ours [ours in the contract]: a server without it (the
    /// platform) answers "no such route", which here means "not offered", said by `why`.
    fn ours<T>(&self, answer: Result<T>, why: impl FnOnce(&str) -> String) -> Result<T> {
        match answer {
            Err(BackendError::Validation { field: Some(f), .. }) if f == "api_url" => {
                Err(BackendError::NotOffered(why(&self.base)))
            }
            other => other,
        }
    }

    /// How many GETs were answered 304 (nothing changed) from the kept answers.
    pub fn not_modified_count(&self) -> u64 {
        self.etags.not_modified_count()
    }

    async fn send<T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        body: impl Serialize,
    ) -> Result<T> {
        let body = serde_json::to_value(body).map_err(|e| BackendError::Internal(e.to_string()))?;
        Ok(self.call(method, path, Some(body)).await?.data)
    }

    fn publish(&self, change: Change) {
        let _ = self.bus.send(change);
    }

    fn timed_out(&self, method: &Method, url: &str) -> BackendError {
        BackendError::Unavailable(format!(
            "{method} {url} timed out: no answer within {} s (the server took the request but \
             did not answer; --request-timeout 2m gives it longer)",
            self.timeout.as_secs()
        ))
    }

    /// Why a request got no answer, naming the place it went to — which is not the API URL
    /// when the server redirected it.
    fn unreachable(&self, url: &str, e: &reqwest::Error) -> String {
        let cause = root_cause(e);
        match self.redirects.target(url) {
            Some(mut place) => {
                place.set_query(None);
                format!(
                    "cannot reach {place}, where {} redirected the request: {cause}",
                    self.base
                )
            }
            None => format!("cannot reach {}: {cause}", self.base),
        }
    }
}

/// The redirect policy (at most 10 hops, as reqwest's default) that remembers where each
/// request went.
#[derive(Clone, Default)]
struct Redirects(Arc<std::sync::Mutex<std::collections::HashMap<String, reqwest::Url>>>);

impl Redirects {
    fn policy(&self) -> reqwest::redirect::Policy {
        let seen = self.clone();
        reqwest::redirect::Policy::custom(move |attempt| {
            if attempt.previous().len() > 10 {
                return attempt.error("more than 10 redirects");
            }
            if let Some(first) = attempt.previous().first() {
                seen.with(|m| m.insert(first.to_string(), attempt.url().clone()));
            }
            attempt.follow()
        })
    }

    fn target(&self, url: &str) -> Option<reqwest::Url> {
        self.with(|m| m.get(&Self::key(url)).cloned())
    }

    fn forget(&self, url: &str) {
        self.with(|m| m.remove(&Self::key(url)));
    }

    /// A URL as reqwest writes it (the policy sees parsed URLs).
    fn key(url: &str) -> String {
        reqwest::Url::parse(url).map_or_else(|_| url.to_string(), |u| u.to_string())
    }

    fn with<T>(
        &self,
        f: impl FnOnce(&mut std::collections::HashMap<String, reqwest::Url>) -> T,
    ) -> T {
        let mut map = self.0.lock().unwrap_or_else(|p| p.into_inner());
        f(&mut map)
    }
}

/// An answer as it came: status, final URL, content type and body.
struct Answer {
    status: StatusCode,
    url: reqwest::Url,
    content_type: String,
    etag: Option<String>,
    text: String,
}

/// A decoded success: its status, `data`, and the next page's cursor when one follows.
struct Answered<T> {
    status: StatusCode,
    data: T,
    next_cursor: Option<String>,
}

async fn receive(req: reqwest::RequestBuilder) -> reqwest::Result<Answer> {
    let res = req.send().await?;
    let status = res.status();
    let url = res.url().clone();
    let content_type = res
        .headers()
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("no content type")
        .to_string();
    let etag = res
        .headers()
        .get(reqwest::header::ETAG)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let text = res.text().await?;
    Ok(Answer {
        status,
        url,
        content_type,
        etag,
        text,
    })
}

/// Reads the envelope: `data` on success, the error mapped back to a `BackendError`.
fn decode<T: DeserializeOwned>(answer: Answer, path: &str, base: &str) -> Result<Answered<T>> {
    let Answer {
        status,
        url,
        content_type,
        text,
        ..
    } = answer;
    if status == StatusCode::NO_CONTENT {
        return serde_json::from_value(Value::Null)
            .map(|data| Answered {
                status,
                data,
                next_cursor: None,
            })
            .map_err(|e| BackendError::Internal(e.to_string()));
    }
    let parsed = serde_json::from_str::<Value>(&text);
    if parsed.is_err() && !text.trim().is_empty() && status != StatusCode::NOT_FOUND {
        return Err(not_json(status, &url, base, &content_type, &text));
    }
    let body: Value = parsed.unwrap_or(Value::Null);
    let code = body["error"]["code"].as_str();
    if status == StatusCode::NOT_FOUND && code.is_none_or(|c| c == "no_route") {
        // Not the API's "unknown id" but no such route at all: a wrong base URL (or a proxy).
        // Never `NotFound`, which would read as "that deployment is gone".
        return Err(BackendError::Validation {
            message: format!(
                "no ZopNight API answers at {url} (HTTP 404) — check the API URL; it usually ends in /api"
            ),
            field: Some("api_url".into()),
        });
    }
    if status.is_success() {
        let next_cursor = body["metadata"]["nextCursor"].as_str().map(str::to_string);
        let data = body.get("data").cloned().unwrap_or(Value::Null);
        return serde_json::from_value(data)
            .map(|data| Answered {
                status,
                data,
                next_cursor,
            })
            .map_err(|e| {
                BackendError::Internal(format!("unexpected answer from the server for {path}: {e}"))
            });
    }
    let message = body["error"]["message"]
        .as_str()
        .map_or_else(|| format!("HTTP {status}"), str::to_string);
    let field = body["error"]["field"].as_str().map(str::to_string);
    Err(match status.as_u16() {
        400 | 413 | 422 => BackendError::Validation { message, field },
        401 => {
            BackendError::Unauthorized(format!("token rejected — run zopdeck login ({message})"))
        }
        403 => BackendError::Forbidden(message),
        404 => {
            let (what, id) = named_in(&message).unwrap_or_else(|| addressed(path));
            BackendError::NotFound { what, id }
        }
        409 => BackendError::Conflict(message),
        502..=504 => BackendError::Unavailable(message),
        _ => BackendError::Internal(message),
    })
}

/// An answer that is not JSON at all: an HTML page from a proxy, a login portal, a web site
/// at the API URL. Says so, with the URL; a gateway's error page is worth a retry.
fn not_json(
    status: StatusCode,
    url: &reqwest::Url,
    base: &str,
    content_type: &str,
    text: &str,
) -> BackendError {
    let start: String = text.trim_start().chars().take(40).collect();
    let what =
        format!("the answer from {url} was not JSON (HTTP {status}, {content_type}: {start:?}…)");
    match status.as_u16() {
        401 => BackendError::Unauthorized(format!("token rejected — run zopdeck login ({what})")),
        502..=504 => {
            BackendError::Unavailable(format!("{what}: a proxy in front of the API failed"))
        }
        _ => BackendError::Validation {
            message: format!(
                "{what}: is {base} a ZopNight API? check the API URL; it usually ends in /api"
            ),
            field: Some("api_url".into()),
        },
    }
}

/// What a path addresses, for "not found": its last collection and the id after it
/// (`/deployments/dep_1/revisions/rev_2` → revision rev_2; `/deployments/dep_1/configs` →
/// deployment dep_1).
/// What a 404's message says is missing, when it reads as zopdeck's "revision rev_1 not
/// found" (a rollback or promotion names another object than the path's deployment).
fn named_in(message: &str) -> Option<(&'static str, String)> {
    let rest = message.strip_suffix(" not found")?;
    let (what, id) = rest.rsplit_once(' ')?;
    let what = [
        "deployment",
        "revision",
        "environment",
        "space",
        "cloud account",
        "cluster",
    ]
    .into_iter()
    .find(|w| *w == what)?;
    Some((what, id.to_string()))
}

fn addressed(path: &str) -> (&'static str, String) {
    let path = path.split('?').next().unwrap_or(path);
    let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    let mut found = ("resource", path.to_string());
    for pair in segments.windows(2) {
        let what = match pair[0] {
            "deployments" => "deployment",
            "revisions" => "revision",
            "environments" => "environment",
            "spaces" | "space-discovery" => "space",
            "cloud-accounts" => "cloud account",
            "clusters" => "cluster",
            _ => continue,
        };
        found = (what, percent_decode(pair[1]));
    }
    found
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(b)) => {
                out.push(b);
                i += 3;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The innermost cause of a request failure ("Connection refused", "timed out"): reqwest's
/// own message only says that sending failed.
fn root_cause(e: &reqwest::Error) -> String {
    let mut cause: &dyn std::error::Error = e;
    while let Some(next) = cause.source() {
        cause = next;
    }
    let text = cause.to_string();
    if e.is_timeout() {
        "timed out".into()
    } else if e.url().is_some_and(|u| u.scheme() == "https")
        && (text.contains("InvalidContentType") || text.contains("corrupt message"))
    {
        format!("{text} (the server does not speak TLS: is the URL http:// rather than https://?)")
    } else {
        text
    }
}

fn enc(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[async_trait]
impl Backend for RemoteBackend {
    fn kind(&self) -> BackendKind {
        BackendKind::Remote {
            url: self.base.clone(),
        }
    }
    async fn list_environments(&self) -> Result<Vec<Environment>> {
        self.list("/environments").await
    }
    async fn get_environment(&self, env_id: &str) -> Result<Environment> {
        self.get(&format!("/environments/{}", enc(env_id))).await
    }
    async fn create_environment(&self, req: NewEnvironment) -> Result<Environment> {
        self.send(Method::POST, "/environments", req).await
    }
    async fn list_deployments(&self, env_id: Option<&str>) -> Result<Vec<Deployment>> {
        match env_id {
            Some(env) => {
                self.list(&format!("/environments/{}/deployments", enc(env)))
                    .await
            }
            None => self.list("/deployments").await,
        }
    }
    async fn get_deployment(&self, id: &str) -> Result<Deployment> {
        self.get(&format!("/deployments/{}", enc(id))).await
    }
    async fn create_deployment(&self, req: NewDeployment) -> Result<Deployment> {
        let d: Deployment = self.send(Method::POST, "/deployments", req).await?;
        self.publish(Change::Deployment {
            data: Box::new(d.clone()),
        });
        Ok(d)
    }
    async fn delete_deployment(&self, id: &str) -> Result<TeardownReport> {
        // The contract answers 204 either way; whether there was anything left to tear down
        // shows in whether the deployment could still be read.
        let already_clean = match self.get_deployment(id).await {
            Ok(_) => false,
            Err(BackendError::NotFound { .. }) => true,
            Err(e) => return Err(e),
        };
        // The teardown runs on the server; its end arrives like any change (stream or poll).
        let _: Value = self
            .call(Method::DELETE, &format!("/deployments/{}", enc(id)), None)
            .await?
            .data;
        Ok(TeardownReport { already_clean })
    }
    async fn patch_configs(&self, id: &str, patch: Value) -> Result<Deployment> {
        self.send(
            Method::PATCH,
            &format!("/deployments/{}/configs", enc(id)),
            json!({ "configs": patch }),
        )
        .await
    }
    async fn set_canvas_position(&self, id: &str, pos: CanvasPosition) -> Result<CanvasPosition> {
        self.send(
            Method::PUT,
            &format!("/deployments/{}/canvas-position", enc(id)),
            pos,
        )
        .await
    }
    async fn analyze(&self, id: &str) -> Result<AnalyzeReport> {
        Ok(self
            .call(
                Method::POST,
                &format!("/deployments/{}/analyze", enc(id)),
                None,
            )
            .await?
            .data)
    }
    async fn create_revision(&self, id: &str, req: NewRevision) -> Result<RevisionCreated> {
        let body = serde_json::to_value(req).map_err(|e| BackendError::Internal(e.to_string()))?;
        let answered = self
            .call(
                Method::POST,
                &format!("/deployments/{}/revisions", enc(id)),
                Some(body),
            )
            .await?;
        Ok(RevisionCreated {
            revision: answered.data,
            created: answered.status == StatusCode::CREATED,
        })
    }
    async fn list_revisions(&self, id: &str) -> Result<Vec<Revision>> {
        self.list(&format!("/deployments/{}/revisions", enc(id)))
            .await
    }
    async fn get_revision(&self, id: &str, revision_id: &str) -> Result<Revision> {
        self.get(&format!(
            "/deployments/{}/revisions/{}",
            enc(id),
            enc(revision_id)
        ))
        .await
    }
    async fn rollback(&self, id: &str, to_revision_id: &str) -> Result<Revision> {
        self.send(
            Method::POST,
            &format!("/deployments/{}/rollback", enc(id)),
            json!({"toRevisionID": to_revision_id}),
        )
        .await
    }
    async fn promote(&self, id: &str, from_revision_id: &str) -> Result<Revision> {
        let path = format!("/deployments/{}/promote", enc(id));
        let body = json!({"fromRevisionID": from_revision_id});
        let sent = self.send(Method::POST, &path, body).await;
        self.ours(sent, |base| {
            format!(
                "promotion is not offered by the server at {base}: it has no POST \
                 /deployments/{{id}}/promote (a zopdeck serve has it); patch the configs and \
                 create a revision with the image instead"
            )
        })
    }
    async fn list_events(&self, id: &str, after: Option<&str>) -> Result<Vec<Event>> {
        match after {
            Some(a) => {
                self.list(&format!("/deployments/{}/events?after={}", enc(id), enc(a)))
                    .await
            }
            None => self.list(&format!("/deployments/{}/events", enc(id))).await,
        }
    }
    async fn loadbalancer(&self, id: &str) -> Result<LoadBalancer> {
        self.get(&format!("/deployments/{}/loadbalancer", enc(id)))
            .await
    }
    async fn audit(&self, filter: AuditFilter) -> Result<Vec<AuditEntry>> {
        let query = {
            let mut q = form_urlencoded::Serializer::new(String::new());
            if let Some(d) = &filter.deployment_id {
                q.append_pair("deploymentId", d);
            }
            if let Some(t) = &filter.token {
                q.append_pair("token", t);
            }
            if let Some(since) = &filter.since {
                q.append_pair("since", &crate::backend::clock::format_ts(since));
            }
            q.finish()
        };
        let path = if query.is_empty() {
            "/audit".to_string()
        } else {
            format!("/audit?{query}")
        };
        let listed = self.list(&path).await;
        self.ours(listed, |base| {
            format!(
                "the server at {base} keeps no audit log it can show (it has no GET /audit; a \
                 zopdeck serve has it)"
            )
        })
    }
    async fn list_spaces(&self) -> Result<Vec<Space>> {
        self.list("/spaces").await
    }
    async fn get_space(&self, space_id: &str) -> Result<Space> {
        self.get(&format!("/spaces/{}", enc(space_id))).await
    }
    async fn create_space(&self, req: NewSpace) -> Result<Space> {
        self.send(Method::POST, "/spaces", req).await
    }
    async fn set_space_status(&self, space_id: &str, status: SpaceStatus) -> Result<Space> {
        self.send(
            Method::PUT,
            &format!("/spaces/{}/status", enc(space_id)),
            json!({"status": status}),
        )
        .await
    }
    async fn delete_space(&self, space_id: &str) -> Result<()> {
        let _: Value = self
            .call(Method::DELETE, &format!("/spaces/{}", enc(space_id)), None)
            .await?
            .data;
        Ok(())
    }
    async fn list_namespaces(&self, space_id: &str) -> Result<Vec<Namespace>> {
        self.list(&format!("/space-discovery/{}/namespaces", enc(space_id)))
            .await
    }
    async fn create_namespace(&self, space_id: &str, name: &str) -> Result<Namespace> {
        self.send(
            Method::POST,
            &format!("/space-discovery/{}/namespaces", enc(space_id)),
            json!({"name": name}),
        )
        .await
    }
    async fn list_clusters(&self, account_id: &str) -> Result<Vec<Cluster>> {
        self.list(&format!("/cloud-accounts/{}/clusters", enc(account_id)))
            .await
    }
    async fn register_cluster_access(
        &self,
        account_id: &str,
        region: &str,
        cluster: &str,
    ) -> Result<Cluster> {
        let path = format!(
            "/cloud-accounts/{}/clusters/{}/{}/access",
            enc(account_id),
            enc(region),
            enc(cluster)
        );
        Ok(self.call(Method::PUT, &path, None).await?.data)
    }
    async fn revoke_cluster_access(
        &self,
        account_id: &str,
        region: &str,
        cluster: &str,
    ) -> Result<()> {
        let path = format!(
            "/cloud-accounts/{}/clusters/{}/{}/access",
            enc(account_id),
            enc(region),
            enc(cluster)
        );
        let _: Value = self.call(Method::DELETE, &path, None).await?.data;
        Ok(())
    }
    fn subscribe(&self) -> Subscription {
        let sub = Subscription::with_external(self.bus.subscribe(), self.external.subscribe());
        if self.websocket
            && !self.stream_started.swap(true, Ordering::SeqCst)
            && let Some(me) = self.me.upgrade()
        {
            live::spawn(me);
        }
        sub
    }
    fn live_mode(&self) -> LiveMode {
        if self.streaming.load(Ordering::SeqCst) {
            LiveMode::Stream
        } else {
            LiveMode::Polling
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn not_found_names_what_the_path_addresses() {
        assert_eq!(
            addressed("/deployments/dep_1/revisions/rev_2"),
            ("revision", "rev_2".to_string())
        );
        assert_eq!(
            addressed("/deployments/dep_1/canvas-position"),
            ("deployment", "dep_1".to_string())
        );
        assert_eq!(
            addressed("/deployments/dep%201/events?after=ev_3"),
            ("deployment", "dep 1".to_string())
        );
        assert_eq!(
            addressed("/cloud-accounts/ca_x/clusters/eu-west-1/main/access"),
            ("cluster", "eu-west-1".to_string())
        );
        assert_eq!(addressed("/nothing"), ("resource", "/nothing".to_string()));
    }

    #[test]
    fn not_found_names_what_the_server_says_is_missing() {
        // A rollback to an unknown revision is no missing deployment.
        assert_eq!(
            named_in("revision rev_9 not found"),
            Some(("revision", "rev_9".to_string()))
        );
        assert_eq!(
            named_in("cloud account ca_x not found"),
            Some(("cloud account", "ca_x".to_string()))
        );
        assert_eq!(named_in("no such thing"), None);
        assert_eq!(named_in("widget w_1 not found"), None);
    }

    #[test]
    fn only_http_urls_are_accepted() {
        for bad in ["not-a-url", "ftp://host/api", "http://", ""] {
            assert!(
                matches!(
                    RemoteBackend::connect(bad, "t"),
                    Err(BackendError::Validation { .. })
                ),
                "{bad}"
            );
        }
        assert!(RemoteBackend::connect("https://zopnight.com/api", "t").is_ok());
    }
}
