//! The store's one seam over its two databases: SQLite (embedded, the default) and
//! PostgreSQL (one database several `serve` replicas share). SQL is written once, with `?N`
//! parameters; on PostgreSQL they become `$N` and SQLite's `rowid` (insertion order) the
//! `seq` column its schema has. Values cross as `Value`, so one piece of row code reads both.
//!
//! The API mirrors the part of rusqlite the store uses (`execute`, `query_row`,
//! `prepare_cached(..).query_map(..)`, `optional()`), so store functions read the same
//! whichever database runs them.

use std::cell::RefCell;

use super::pg::PgClient;

/// One value of a parameter or a column.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Int(i64),
    Real(f64),
    Text(String),
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("the query returned no rows")]
    NoRows,
    #[error(transparent)]
    Sqlite(#[from] rusqlite::Error),
    #[error("{0}")]
    Pg(#[from] tokio_postgres::Error),
    /// PostgreSQL cannot be reached (its server is down or the network is): worth a retry.
    #[error("{0}")]
    Unreachable(String),
    #[error("column {idx}: {message}")]
    Column { idx: usize, message: String },
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// `Ok(None)` for a query that found no row (rusqlite's `OptionalExtension`).
pub trait OptionalExtension<T> {
    fn optional(self) -> Result<Option<T>>;
}

impl<T> OptionalExtension<T> for Result<T> {
    fn optional(self) -> Result<Option<T>> {
        match self {
            Ok(v) => Ok(Some(v)),
            Err(Error::NoRows) => Ok(None),
            Err(e) => Err(e),
        }
    }
}

// ---- values in -----------------------------------------------------------------------------

pub trait ToValue {
    fn to_value(&self) -> Value;
}

impl ToValue for str {
    fn to_value(&self) -> Value {
        Value::Text(self.to_string())
    }
}
impl ToValue for String {
    fn to_value(&self) -> Value {
        Value::Text(self.clone())
    }
}
impl ToValue for bool {
    fn to_value(&self) -> Value {
        Value::Int(i64::from(*self))
    }
}
impl ToValue for f64 {
    fn to_value(&self) -> Value {
        Value::Real(*self)
    }
}
macro_rules! int_to_value {
    ($($t:ty),*) => {$(
        impl ToValue for $t {
            fn to_value(&self) -> Value {
                Value::Int(i64::try_from(*self).unwrap_or(i64::MAX))
            }
        }
    )*};
}
int_to_value!(i64, i32, u32, u16, u64, usize);
impl<T: ToValue + ?Sized> ToValue for &T {
    fn to_value(&self) -> Value {
        (**self).to_value()
    }
}
impl<T: ToValue> ToValue for Option<T> {
    fn to_value(&self) -> Value {
        self.as_ref().map_or(Value::Null, ToValue::to_value)
    }
}

/// The parameters of a statement: `[a, b]` of one type, `params![a, b, …]`, or `[]`.
pub trait Params {
    fn values(&self) -> Vec<Value>;
}

/// `[]`: no parameters.
impl Params for [&dyn ToValue; 0] {
    fn values(&self) -> Vec<Value> {
        Vec::new()
    }
}
// One impl per length (as rusqlite does), so that `[]` above is not ambiguous.
macro_rules! array_params {
    ($($n:literal)*) => {$(
        impl<T: ToValue> Params for [T; $n] {
            fn values(&self) -> Vec<Value> {
                self.iter().map(ToValue::to_value).collect()
            }
        }
    )*};
}
array_params!(1 2 3 4 5 6 7 8);
impl Params for &[&dyn ToValue] {
    fn values(&self) -> Vec<Value> {
        self.iter().map(|v| v.to_value()).collect()
    }
}

/// Parameters of mixed types, as rusqlite's `params!`.
#[macro_export]
macro_rules! store_params {
    () => { &[] as &[&dyn $crate::backend::engine::store::db::ToValue] };
    ($($p:expr),+ $(,)?) => {
        &[$(&$p as &dyn $crate::backend::engine::store::db::ToValue),+]
            as &[&dyn $crate::backend::engine::store::db::ToValue]
    };
}
pub use crate::store_params as params;

// ---- values out ----------------------------------------------------------------------------

pub trait FromValue: Sized {
    fn from_value(v: &Value) -> std::result::Result<Self, String>;
}

impl FromValue for String {
    fn from_value(v: &Value) -> std::result::Result<Self, String> {
        match v {
            Value::Text(s) => Ok(s.clone()),
            other => Err(format!("expected text, found {other:?}")),
        }
    }
}
impl FromValue for bool {
    fn from_value(v: &Value) -> std::result::Result<Self, String> {
        match v {
            Value::Int(i) => Ok(*i != 0),
            other => Err(format!("expected a boolean, found {other:?}")),
        }
    }
}
impl FromValue for f64 {
    fn from_value(v: &Value) -> std::result::Result<Self, String> {
        match v {
            Value::Real(f) => Ok(*f),
            Value::Int(i) => Ok(*i as f64),
            other => Err(format!("expected a number, found {other:?}")),
        }
    }
}
macro_rules! int_from_value {
    ($($t:ty),*) => {$(
        impl FromValue for $t {
            fn from_value(v: &Value) -> std::result::Result<Self, String> {
                match v {
                    Value::Int(i) => <$t>::try_from(*i).map_err(|e| format!("{i}: {e}")),
                    other => Err(format!("expected an integer, found {other:?}")),
                }
            }
        }
    )*};
}
int_from_value!(i64, i32, u32, u16, u64, usize);
impl<T: FromValue> FromValue for Option<T> {
    fn from_value(v: &Value) -> std::result::Result<Self, String> {
        match v {
            Value::Null => Ok(None),
            v => T::from_value(v).map(Some),
        }
    }
}

/// A column's place in a row.
pub trait RowIndex {
    fn index(&self) -> usize;
}
impl RowIndex for usize {
    fn index(&self) -> usize {
        *self
    }
}

/// One row of an answer.
pub struct Row {
    values: Vec<Value>,
}

impl Row {
    pub fn get<I: RowIndex, T: FromValue>(&self, idx: I) -> Result<T> {
        let idx = idx.index();
        let v = self.values.get(idx).ok_or_else(|| Error::Column {
            idx,
            message: "no such column".into(),
        })?;
        T::from_value(v).map_err(|message| Error::Column { idx, message })
    }
}

// ---- the connection ------------------------------------------------------------------------

/// A connection of either database (inside `Store::write`, its transaction).
pub struct Connection<'a> {
    kind: Kind<'a>,
}

enum Kind<'a> {
    Sqlite(&'a rusqlite::Connection),
    Pg(RefCell<&'a mut PgClient>),
}

impl<'a> Connection<'a> {
    pub fn sqlite(c: &'a rusqlite::Connection) -> Self {
        Self {
            kind: Kind::Sqlite(c),
        }
    }

    pub fn pg(c: &'a mut PgClient) -> Self {
        Self {
            kind: Kind::Pg(RefCell::new(c)),
        }
    }

    /// Whether this is PostgreSQL (for the few statements that differ).
    pub fn is_pg(&self) -> bool {
        matches!(self.kind, Kind::Pg(_))
    }

    pub fn execute<P: Params>(&self, sql: &str, params: P) -> Result<usize> {
        let values = params.values();
        match &self.kind {
            Kind::Sqlite(c) => Ok(c
                .prepare_cached(sql)?
                .execute(rusqlite::params_from_iter(values.iter().map(sqlite_value)))?),
            Kind::Pg(c) => c.borrow_mut().execute(sql, &values),
        }
    }

    /// The first row's `f`, or `Error::NoRows`.
    pub fn query_row<T, P: Params>(
        &self,
        sql: &str,
        params: P,
        f: impl FnOnce(&Row) -> Result<T>,
    ) -> Result<T> {
        let mut f = Some(f);
        let mut out = None;
        self.each(sql, &params.values(), |row| {
            if let Some(f) = f.take() {
                out = Some(f(row));
            }
            Ok(false)
        })?;
        out.unwrap_or(Err(Error::NoRows))
    }

    /// Every row through `f`, each mapped as `query_map` does.
    fn rows<T>(
        &self,
        sql: &str,
        values: &[Value],
        mut f: impl FnMut(&Row) -> Result<T>,
    ) -> Result<Vec<Result<T>>> {
        let mut out = Vec::new();
        self.each(sql, values, |row| {
            out.push(f(row));
            Ok(true)
        })?;
        Ok(out)
    }

    /// Runs `sql`, handing each row to `f` while it answers true.
    fn each(
        &self,
        sql: &str,
        values: &[Value],
        mut f: impl FnMut(&Row) -> Result<bool>,
    ) -> Result<()> {
        match &self.kind {
            Kind::Sqlite(c) => {
                let mut st = c.prepare_cached(sql)?;
                let n = st.column_count();
                let mut rows =
                    st.query(rusqlite::params_from_iter(values.iter().map(sqlite_value)))?;
                while let Some(r) = rows.next()? {
                    let values = (0..n)
                        .map(|i| r.get_ref(i).map(from_sqlite))
                        .collect::<rusqlite::Result<Vec<_>>>()?;
                    if !f(&Row { values })? {
                        break;
                    }
                }
                Ok(())
            }
            Kind::Pg(c) => {
                for values in c.borrow_mut().query(sql, values)? {
                    if !f(&Row { values })? {
                        break;
                    }
                }
                Ok(())
            }
        }
    }

    pub fn prepare_cached(&self, sql: &str) -> Result<Statement<'_, 'a>> {
        Ok(Statement {
            conn: self,
            sql: sql.to_string(),
        })
    }

    pub fn prepare(&self, sql: &str) -> Result<Statement<'_, 'a>> {
        self.prepare_cached(sql)
    }
}

/// A statement to run (prepared and cached by the connection).
pub struct Statement<'c, 'a> {
    conn: &'c Connection<'a>,
    sql: String,
}

impl Statement<'_, '_> {
    pub fn query_map<T, P: Params>(
        &mut self,
        params: P,
        f: impl FnMut(&Row) -> Result<T>,
    ) -> Result<std::vec::IntoIter<Result<T>>> {
        Ok(self.conn.rows(&self.sql, &params.values(), f)?.into_iter())
    }
}

fn sqlite_value(v: &Value) -> rusqlite::types::Value {
    match v {
        Value::Null => rusqlite::types::Value::Null,
        Value::Int(i) => rusqlite::types::Value::Integer(*i),
        Value::Real(f) => rusqlite::types::Value::Real(*f),
        Value::Text(s) => rusqlite::types::Value::Text(s.clone()),
    }
}

fn from_sqlite(v: rusqlite::types::ValueRef<'_>) -> Value {
    use rusqlite::types::ValueRef;
    match v {
        ValueRef::Null => Value::Null,
        ValueRef::Integer(i) => Value::Int(i),
        ValueRef::Real(f) => Value::Real(f),
        ValueRef::Text(t) | ValueRef::Blob(t) => Value::Text(String::from_utf8_lossy(t).into()),
    }
}

/// The SQL as PostgreSQL takes it: `$N` parameters, `seq` for `rowid` (SQL already written
/// for PostgreSQL passes unchanged). Worked out once per connection and statement, when the
/// connection prepares it (`PgClient::statement`).
pub(super) fn pg_sql(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len());
    let mut chars = sql.chars().peekable();
    let mut in_string = false;
    while let Some(ch) = chars.next() {
        match ch {
            '\'' => {
                in_string = !in_string;
                out.push(ch);
            }
            '?' if !in_string && chars.peek().is_some_and(char::is_ascii_digit) => out.push('$'),
            _ => out.push(ch),
        }
    }
    replace_word(&out, "rowid", "seq")
}

/// `text` with the whole word `word` replaced.
fn replace_word(text: &str, word: &str, by: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find(word) {
        let before = rest[..i].chars().next_back();
        let after = rest[i + word.len()..].chars().next();
        let ident = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == '_');
        out.push_str(&rest[..i]);
        out.push_str(if ident(before) || ident(after) {
            word
        } else {
            by
        });
        rest = &rest[i + word.len()..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sql_for_postgres() {
        assert_eq!(
            pg_sql("SELECT a FROM t WHERE x = ?1 AND y = '?2' AND z = ?12 ORDER BY d.rowid"),
            "SELECT a FROM t WHERE x = $1 AND y = '?2' AND z = $12 ORDER BY d.seq"
        );
        assert_eq!(
            replace_word("rowids rowid _rowid", "rowid", "seq"),
            "rowids seq _rowid"
        );
    }

    #[test]
    fn the_same_row_code_on_sqlite() {
        let raw = rusqlite::Connection::open_in_memory().unwrap();
        raw.execute_batch("CREATE TABLE t (a TEXT, b INTEGER, c REAL, d INTEGER)")
            .unwrap();
        let c = Connection::sqlite(&raw);
        let none: Option<String> = None;
        c.execute(
            "INSERT INTO t VALUES (?1, ?2, ?3, ?4)",
            params!["x", 7u32, 1.5, none],
        )
        .unwrap();
        let (a, b, cc, d): (String, u32, f64, Option<i64>) = c
            .query_row("SELECT a, b, c, d FROM t WHERE a = ?1", ["x"], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
            })
            .unwrap();
        assert_eq!((a.as_str(), b, cc, d), ("x", 7, 1.5, None));
        let missing = c
            .query_row("SELECT a FROM t WHERE a = ?1", ["y"], |r| {
                r.get::<_, String>(0)
            })
            .optional()
            .unwrap();
        assert_eq!(missing, None);
        let all: Vec<bool> = c
            .prepare_cached("SELECT b > 3 FROM t")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<Result<_>>()
            .unwrap();
        assert_eq!(all, [true]);
        let wrong = c.query_row("SELECT a FROM t", [], |r| r.get::<_, i64>(0));
        assert!(matches!(wrong, Err(Error::Column { idx: 0, .. })));
    }
}
