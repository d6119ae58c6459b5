//! Reading the rows of the lists that come back a page at a time (users, groups), and of the key
//! check, straight from the driver's row, by position.
//!
//! SeaORM's derived reader looks every column up by name in every row, and turns every NULL of an
//! optional column into an error whose message formats the column's name before it becomes
//! `None` (a user has three such columns, so a 500-user page formatted 1,500 messages). Profiled
//! on a 500-user page, reading the user and group models was 15% of the page's CPU on PostgreSQL
//! and 12% on SQLite. Here the positions are found once per statement, by name, and each row is
//! read by position; a NULL is just `None`.

use chrono::{DateTime, Utc};
use entity::enums::{Edition, EmailVerificationState, UserType};
use entity::{group, organization, user};
use sea_orm::sqlx::postgres::PgRow;
use sea_orm::sqlx::sqlite::SqliteRow;
use sea_orm::sqlx::{self, Column as _, Postgres, Row as _, Sqlite};
use sea_orm::{ActiveEnum, DbErr, IdenStatic, QueryResult};

/// A value that every driver decodes: both backends' sqlx drivers, and rusqlite (the key check's
/// reads of the SQLite file on the request's thread).
pub(crate) trait Decoded:
    for<'r> sqlx::Decode<'r, Postgres>
    + sqlx::Type<Postgres>
    + for<'r> sqlx::Decode<'r, Sqlite>
    + sqlx::Type<Sqlite>
    + rusqlite::types::FromSql
{
}

impl<T> Decoded for T where
    T: for<'r> sqlx::Decode<'r, Postgres>
        + sqlx::Type<Postgres>
        + for<'r> sqlx::Decode<'r, Sqlite>
        + sqlx::Type<Sqlite>
        + rusqlite::types::FromSql
{
}

/// One driver row.
#[derive(Clone, Copy)]
pub(crate) enum Driver<'a> {
    Postgres(&'a PgRow),
    /// A PostgreSQL row after the first of its statement, whose columns' types were checked on
    /// the first ([`Driver::each`]). PostgreSQL gives every row of a statement the same columns,
    /// so its values are decoded without checking each again: for a 500-user page that check was
    /// about 4% of the process's CPU (sqlx compares the column's type with every type the value's
    /// Rust type accepts, for each value).
    PostgresChecked(&'a PgRow),
    Sqlite(&'a SqliteRow),
    /// A row read by rusqlite from the SQLite file.
    Embedded(&'a rusqlite::Row<'a>),
}

impl<'a> Driver<'a> {
    pub(crate) fn of(row: &'a QueryResult) -> Result<Self, DbErr> {
        row.try_as_pg_row()
            .map(Driver::Postgres)
            .or_else(|| row.try_as_sqlite_row().map(Driver::Sqlite))
            .ok_or_else(|| DbErr::Type("a row of neither PostgreSQL nor SQLite".to_owned()))
    }

    /// Each of `rows` (of one statement), the first one checked against its columns' types and
    /// the others, on PostgreSQL, not again.
    pub(crate) fn each(rows: &'a [QueryResult]) -> impl Iterator<Item = Result<Self, DbErr>> + 'a {
        rows.iter().enumerate().map(|(n, row)| {
            Ok(match Driver::of(row)? {
                Driver::Postgres(row) if n > 0 => Driver::PostgresChecked(row),
                driver => driver,
            })
        })
    }

    pub(crate) fn get<T: Decoded>(self, at: usize) -> Result<T, DbErr> {
        let failed = |error: &dyn std::fmt::Display| DbErr::Type(format!("column {at}: {error}"));
        match self {
            // The column's type, not the value's: a NULL in the first row is checked too.
            Driver::Postgres(row) => match row.columns().get(at).map(|column| column.type_info()) {
                Some(ty) if !<T as sqlx::Type<Postgres>>::compatible(ty) => {
                    Err(failed(&format_args!("a {} cannot be read as {}", ty, std::any::type_name::<T>())))
                }
                _ => row.try_get_unchecked::<T, usize>(at).map_err(|error| failed(&error)),
            },
            Driver::PostgresChecked(row) => row.try_get_unchecked::<T, usize>(at).map_err(|error| failed(&error)),
            Driver::Sqlite(row) => row.try_get::<T, usize>(at).map_err(|error| failed(&error)),
            Driver::Embedded(row) => row.get::<usize, T>(at).map_err(|error| failed(&error)),
        }
    }

    /// A time (`NULL`: `None`). On the embedded SQLite file it is parsed as the RFC 3339 text sqlx
    /// wrote it as: rusqlite's own reader parses it with a format string, which was 6% of a SQLite
    /// 500-user page's CPU (two times a user). Text it does not parse is read as [`Driver::get`]
    /// reads it.
    pub(crate) fn time(self, at: usize) -> Result<Option<DateTime<Utc>>, DbErr> {
        if let Driver::Embedded(row) = self
            && let Ok(rusqlite::types::ValueRef::Text(text)) = row.get_ref(at)
            && let Ok(text) = std::str::from_utf8(text)
            && let Ok(time) = DateTime::parse_from_rfc3339(text)
        {
            return Ok(Some(time.with_timezone(&Utc)));
        }
        self.get(at)
    }

    /// Where each of `names` is among the row's columns.
    pub(crate) fn positions<const N: usize>(self, names: [&str; N]) -> Result<[usize; N], DbErr> {
        let columns: Vec<&str> = match self {
            Driver::Postgres(row) | Driver::PostgresChecked(row) => row.columns().iter().map(|c| c.name()).collect(),
            Driver::Sqlite(row) => row.columns().iter().map(|c| c.name()).collect(),
            Driver::Embedded(row) => row.as_ref().column_names(),
        };
        let mut found = [0; N];
        for (slot, name) in found.iter_mut().zip(names) {
            *slot = columns
                .iter()
                .position(|column| *column == name)
                .ok_or_else(|| DbErr::Type(format!("no column {name} in the row")))?;
        }
        Ok(found)
    }

    /// Where each of `columns` is among the row's columns, each named its column's name after
    /// `prefix`.
    fn prefixed_positions<C: IdenStatic, const N: usize>(
        self,
        prefix: &str,
        columns: [C; N],
    ) -> Result<[usize; N], DbErr> {
        let names = columns.map(|column| format!("{prefix}{}", column.as_str()));
        self.positions(names.each_ref().map(String::as_str))
    }
}

fn null(at: usize) -> DbErr {
    DbErr::Type(format!("column {at}: NULL where a value is required"))
}

fn active_enum<E: ActiveEnum<Value = String>>(value: String) -> Result<E, DbErr> {
    E::try_from_value(&value)
}

/// Reads each row of a statement with `read`, its columns found on the first row by `find` (once
/// per statement).
pub(crate) fn by_columns<C, T>(
    find: impl Fn(Driver<'_>) -> Result<C, DbErr>,
    read: impl Fn(&C, Driver<'_>) -> Result<T, DbErr>,
) -> impl FnMut(Driver<'_>) -> Result<T, DbErr> {
    let mut columns = None;
    move |row| {
        let columns = match &columns {
            Some(columns) => columns,
            None => columns.insert(find(row)?),
        };
        read(columns, row)
    }
}

/// Reads a whole user from each row (as `user::Entity::find()` selects it, with any further
/// columns).
pub(crate) fn user() -> impl FnMut(Driver<'_>) -> Result<user::Model, DbErr> {
    by_columns(|row| UserColumns::find(row, ""), |at, row| at.read(row))
}

/// Reads a whole user from each row (as `user::Entity::find()` selects it), and the column `extra`
/// (the id of a group they are a member of, say).
pub(crate) fn user_with<T: Decoded>(extra: &'static str) -> impl FnMut(Driver<'_>) -> Result<(user::Model, T), DbErr> {
    by_columns(
        move |row| Ok((UserColumns::find(row, "")?, row.positions([extra])?[0])),
        |(at, extra), row| Ok((at.read(row)?, row.get(*extra)?)),
    )
}

/// Where a user's columns are in a statement's rows: each named its column's name after `prefix`.
pub(crate) struct UserColumns([usize; 13]);

impl UserColumns {
    pub(crate) fn find(row: Driver<'_>, prefix: &str) -> Result<Self, DbErr> {
        use user::Column as C;
        let columns = [
            C::Id,
            C::AuthenticationDomainId,
            C::Email,
            C::EmailLower,
            C::Name,
            C::UserType,
            C::TimeZone,
            C::EmailVerificationState,
            C::PendingUpgradeType,
            C::PendingUpgradeMessage,
            C::Active,
            C::LastActive,
            C::CreatedAt,
        ];
        Ok(UserColumns(row.prefixed_positions(prefix, columns)?))
    }

    pub(crate) fn read(&self, row: Driver<'_>) -> Result<user::Model, DbErr> {
        let at = &self.0;
        Ok(user::Model {
            id: row.get(at[0])?,
            authentication_domain_id: row.get(at[1])?,
            email: row.get(at[2])?,
            email_lower: row.get(at[3])?,
            name: row.get(at[4])?,
            user_type: active_enum::<UserType>(row.get(at[5])?)?,
            time_zone: row.get(at[6])?,
            email_verification_state: active_enum::<EmailVerificationState>(row.get(at[7])?)?,
            pending_upgrade_type: row.get::<Option<String>>(at[8])?.map(active_enum::<UserType>).transpose()?,
            pending_upgrade_message: row.get(at[9])?,
            active: row.get(at[10])?,
            last_active: row.time(at[11])?,
            created_at: row.time(at[12])?.ok_or_else(|| null(at[12]))?,
        })
    }
}

/// Where an organization's columns are in a statement's rows: each named its column's name after
/// `prefix`.
pub(crate) struct OrganizationColumns([usize; 6]);

impl OrganizationColumns {
    pub(crate) fn find(row: Driver<'_>, prefix: &str) -> Result<Self, DbErr> {
        use organization::Column as C;
        let columns = [C::Id, C::Name, C::Edition, C::CustomerId, C::CreatedAt, C::AccessVersion];
        Ok(OrganizationColumns(row.prefixed_positions(prefix, columns)?))
    }

    pub(crate) fn read(&self, row: Driver<'_>) -> Result<organization::Model, DbErr> {
        let at = &self.0;
        Ok(organization::Model {
            id: row.get(at[0])?,
            name: row.get(at[1])?,
            edition: active_enum::<Edition>(row.get(at[2])?)?,
            customer_id: row.get(at[3])?,
            created_at: row.time(at[4])?.ok_or_else(|| null(at[4]))?,
            access_version: row.get(at[5])?,
        })
    }
}

/// Reads a whole group from each row (as `group::Entity::find()` selects it), and the column
/// `extra` (a member's id, say).
pub(crate) fn group_with<T: Decoded>(
    extra: &'static str,
) -> impl FnMut(Driver<'_>) -> Result<(group::Model, T), DbErr> {
    use group::Column as C;
    let find = move |row: Driver<'_>| {
        row.positions([
            C::Id.as_str(),
            C::AuthenticationDomainId.as_str(),
            C::DisplayName.as_str(),
            C::IsDefault.as_str(),
            C::CreatedAt.as_str(),
            extra,
        ])
    };
    by_columns(find, |at, row| {
        let group = group::Model {
            id: row.get(at[0])?,
            authentication_domain_id: row.get(at[1])?,
            display_name: row.get(at[2])?,
            is_default: row.get(at[3])?,
            created_at: row.time(at[4])?.ok_or_else(|| null(at[4]))?,
        };
        Ok((group, row.get(at[5])?))
    })
}

#[cfg(test)]
mod tests {
    use sea_orm::{ConnectionTrait, Database, DbBackend, Statement};

    use super::*;

    /// On the embedded SQLite file a time reads as rusqlite reads it, whether it is the RFC 3339
    /// text sqlx writes (parsed here) or other text (read by rusqlite).
    #[test]
    fn embedded_times_read_as_rusqlite_reads_them() {
        let conn = rusqlite::Connection::open_in_memory().expect("SQLite");
        let written = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::AutoSi, false);
        let mut stmt = conn.prepare("SELECT ?1, '2026-12-01 10:00:00', NULL").expect("statement");
        let mut rows = stmt.query([&written]).expect("rows");
        let row = rows.next().expect("a row").expect("a row");
        let driver = Driver::Embedded(row);
        for at in [0, 1] {
            let read = driver.time(at).expect("a time");
            assert_eq!(read, driver.get::<Option<DateTime<Utc>>>(at).expect("rusqlite's"), "column {at}");
            assert!(read.is_some());
        }
        assert_eq!(
            driver.time(0).expect("a time").map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, false)),
            Some(written)
        );
        assert_eq!(driver.time(2).expect("NULL"), None);
    }

    /// On PostgreSQL the first row of a statement is checked against its columns' types (a NULL
    /// too), and the rows after it are read unchecked.
    #[tokio::test]
    async fn postgres_rows_are_checked_on_the_first_row_by_column_type() {
        let Ok(url) = std::env::var("TEST_DATABASE_URL") else {
            eprintln!("TEST_DATABASE_URL is not set: PostgreSQL test skipped");
            return;
        };
        let db = Database::connect(url).await.expect("connect");
        let sql = "SELECT n, CASE WHEN n = 1 THEN NULL ELSE n END AS m FROM generate_series(1::bigint, 3::bigint) AS n";
        let rows = db.query_all_raw(Statement::from_string(DbBackend::Postgres, sql)).await.expect("rows");
        let drivers: Vec<Driver<'_>> = Driver::each(&rows).collect::<Result<_, _>>().expect("drivers");
        assert!(matches!(drivers[0], Driver::Postgres(_)));
        assert!(drivers[1..].iter().all(|d| matches!(d, Driver::PostgresChecked(_))));
        assert_eq!(drivers[0].get::<i64>(0).expect("a bigint"), 1);
        assert_eq!(drivers[0].get::<Option<i64>>(1).expect("a NULL bigint"), None);
        let wrong = drivers[0].get::<String>(0).expect_err("a bigint is no text");
        assert!(wrong.to_string().contains("cannot be read as"), "{wrong}");
        drivers[0].get::<Option<String>>(1).expect_err("a NULL bigint is no text either");
        let read: Vec<(i64, Option<i64>)> = drivers[1..]
            .iter()
            .map(|d| Ok::<_, DbErr>((d.get(0)?, d.get(1)?)))
            .collect::<Result<_, _>>()
            .expect("read");
        assert_eq!(read, [(2, Some(2)), (3, Some(3))]);
    }
}
