//! `zopdeck serve`'s router on loopback with an admin, a deployer and a viewer token, and
//! raw HTTP calls to it (shared by the `http_*` tests).
#![allow(clippy::unwrap_used, clippy::expect_used, dead_code)]

use std::sync::Arc;
use std::time::Duration;

use reqwest::{Client, Method, StatusCode};
use serde_json::{Value, json};
use zopdeck::backend::engine::store::tokens::{self, Role};
use zopdeck::backend::engine::{Engine, EngineSettings, OpenOptions};
use zopdeck::backend::serve::ServeOptions;

pub struct Server {
    pub base: String,
    pub addr: std::net::SocketAddr,
    pub admin: String,
    pub deployer: String,
    pub viewer: String,
    pub http: Client,
    pub engine: Arc<Engine>,
}

pub fn fast_settings() -> EngineSettings {
    let mut settings = EngineSettings::default();
    settings.sandbox.speed = 50.0;
    settings
}

pub async fn server() -> Server {
    server_with(fast_settings(), ServeOptions::default()).await
}

pub async fn server_with(settings: EngineSettings, opts: ServeOptions) -> Server {
    server_of(settings, opts, true).await
}

/// A server whose engine runs no workers: what is created stays queued, lists stay still.
pub async fn server_without_workers() -> Server {
    server_of(fast_settings(), ServeOptions::default(), false).await
}

async fn server_of(settings: EngineSettings, opts: ServeOptions, workers: bool) -> Server {
    let engine = Engine::in_memory(
        settings,
        OpenOptions {
            demo: false,
            workers,
            viewer: false,
        },
    )
    .await
    .unwrap();
    serve_engine(engine, opts).await
}

/// `zopdeck serve`'s router over `engine` on loopback, with the three tokens.
pub async fn serve_engine(engine: Arc<Engine>, opts: ServeOptions) -> Server {
    let token = |role| token(&engine, "t", role);
    let (admin, deployer, viewer) = (
        token(Role::Admin),
        token(Role::Deployer),
        token(Role::Viewer),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = zopdeck::backend::serve::router_for(Arc::clone(&engine), opts);
    tokio::spawn(async move { axum::serve(listener, app).await });
    Server {
        base: format!("http://{addr}/api"),
        addr,
        admin,
        deployer,
        viewer,
        http: Client::new(),
        engine,
    }
}

impl Server {
    pub async fn call(
        &self,
        token: &str,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut req = self
            .http
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(token);
        if let Some(b) = body {
            req = req.json(&b);
        }
        let res = req.send().await.unwrap();
        let status = res.status();
        let text = res.text().await.unwrap();
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    pub async fn raw(
        &self,
        token: &str,
        method: Method,
        path: &str,
        body: &str,
    ) -> (StatusCode, Value) {
        let res = self
            .http
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(token)
            .header("content-type", "application/json")
            .body(body.to_string())
            .send()
            .await
            .unwrap();
        let status = res.status();
        (status, res.json().await.unwrap_or(Value::Null))
    }

    pub async fn env_id(&self) -> String {
        let (_, envs) = self
            .call(&self.viewer, Method::GET, "/environments", None)
            .await;
        envs["data"][0]["id"].as_str().unwrap().to_string()
    }

    pub async fn create(&self, name: &str) -> Value {
        self.create_with(
            name,
            json!({"port": 80, "expose": [{"port": 80, "protocol": "http"}]}),
        )
        .await
    }

    pub async fn create_with(&self, name: &str, configs: Value) -> Value {
        let env = self.env_id().await;
        let body = json!({"name": name, "envId": env, "sourceType": "image", "image": "nginx:1.27",
                          "configs": configs});
        let (status, dep) = self
            .call(&self.deployer, Method::POST, "/deployments", Some(body))
            .await;
        assert_eq!(status, StatusCode::CREATED, "{dep}");
        dep["data"].clone()
    }

    pub async fn wait_active(&self, id: &str) {
        for _ in 0..400 {
            let (_, d) = self
                .call(
                    &self.viewer,
                    Method::GET,
                    &format!("/deployments/{id}"),
                    None,
                )
                .await;
            if d["data"]["status"] == "active" {
                return;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        panic!("{id} never became active");
    }
}

/// A token of `role` named `name` on `engine`'s store; its secret.
pub fn token(engine: &Engine, name: &str, role: Role) -> String {
    let now = engine.clock().now();
    engine
        .store()
        .write(|c| tokens::create(c, name, role, &now))
        .unwrap()
        .1
}

pub type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// The live stream at `base` (`http://…/api`), with `token`.
pub async fn ws_connect(base: &str, token: &str) -> Ws {
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;
    let mut req = format!("{}/ws", base.replace("http://", "ws://"))
        .into_client_request()
        .unwrap();
    req.headers_mut()
        .insert("authorization", format!("Bearer {token}").parse().unwrap());
    tokio_tungstenite::connect_async(req).await.unwrap().0
}
