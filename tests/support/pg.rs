//! A fresh PostgreSQL database per test, on the server `.ci/postgres up` started (its URL in
//! `ZOPDECK_TEST_DATABASE_URL`). Without one, a test says it skipped and why — except under
//! `CI=true`, where a missing PostgreSQL fails the test.
#![allow(clippy::unwrap_used, clippy::expect_used, dead_code)]

pub const ENV: &str = "ZOPDECK_TEST_DATABASE_URL";

/// The URL of a new, empty database, or `None` (said on stderr) when no server is given.
pub fn fresh_database(test: &str) -> Option<String> {
    let Some(url) = std::env::var(ENV).ok().filter(|u| !u.is_empty()) else {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "{test}: {ENV} is not set under CI=true — .ci/run starts PostgreSQL (.ci/postgres up)"
        );
        eprintln!(
            "SKIPPED {test}: no PostgreSQL ({ENV} unset; `eval \"$(.ci/postgres up)\"` starts one)"
        );
        return None;
    };
    let name = format!("zt_{}", uuid::Uuid::new_v4().simple());
    let admin = url.clone();
    let created = name.clone();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            let (client, conn) = tokio_postgres::connect(&admin, tokio_postgres::NoTls)
                .await
                .expect("the test PostgreSQL answers");
            tokio::spawn(conn);
            client
                .batch_execute(&format!("CREATE DATABASE {created}"))
                .await
                .unwrap();
        });
    })
    .join()
    .unwrap();
    Some(with_database(&url, &name))
}

/// `url` with its database replaced by `name`.
pub fn with_database(url: &str, name: &str) -> String {
    let (base, _) = url.rsplit_once('/').expect("a URL with a database");
    format!("{base}/{name}")
}
