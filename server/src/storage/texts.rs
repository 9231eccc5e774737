//! Large texts stored once (`texts`): what both backends do after looking up a batch's texts.

use std::collections::HashMap;

use sqlx::{Database, Decode, Encode, Executor, IntoArguments, QueryBuilder, Type};

use super::StoreError;
use super::rows::TextRow;

/// The ids of `texts` in order: the one `found` holds for a text's index, else a new row's.
pub(super) async fn insert_missing<DB>(
    conn: &mut DB::Connection,
    texts: &[TextRow],
    found: &HashMap<usize, i64>,
) -> Result<Vec<i64>, StoreError>
where
    DB: Database,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    DB::Arguments: IntoArguments<DB>,
    for<'a> i64: Encode<'a, DB> + Decode<'a, DB> + Type<DB>,
    for<'a> String: Encode<'a, DB> + Type<DB>,
    (i64,): for<'r> sqlx::FromRow<'r, DB::Row>,
{
    let mut ids = Vec::with_capacity(texts.len());
    for (index, text) in texts.iter().enumerate() {
        let id = match found.get(&index) {
            Some(&id) => id,
            None => {
                let mut insert = QueryBuilder::<DB>::new("INSERT INTO texts (hash, body) VALUES (");
                insert
                    .separated(", ")
                    .push_bind(text.hash)
                    .push_bind(text.body.clone())
                    .push_unseparated(") RETURNING id");
                insert.build_query_scalar().fetch_one(&mut *conn).await?
            }
        };
        ids.push(id);
    }
    Ok(ids)
}
