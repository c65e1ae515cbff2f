//! Blocking: agents block a visitor (and optionally their network) for a while or for good;
//! every way a visitor can write checks it; agents lift blocks by hand, and admins list them.

use std::net::IpAddr;

use crate::blocking::{self, BlockLength, IpRange};
use crate::error::AppError;
use crate::model::{Me, Role, SystemLine, VisitorBlock};
use crate::protocol::Event;
use crate::server::services::visitor_for_agent;
use crate::server::services::{self, system_line};
use crate::server::state::AppState;
use crate::server::store::{NewBlock, Visitor, now_millis};

/// What an agent asks for in the block dialog.
pub struct BlockRequest<'a> {
    /// How long.
    pub length: BlockLength,
    /// Why.
    pub reason: &'a str,
    /// The address or range to block too (empty: the visitor only).
    pub ip: Option<&'a str>,
}

/// Blocks a visitor of an inbox the agent may see. Their widget is told at once; an open
/// conversation gets a line (agents only) saying who blocked them.
pub async fn block_visitor(
    state: &AppState,
    agent: &Me,
    visitor_id: i64,
    request: BlockRequest<'_>,
) -> Result<VisitorBlock, AppError> {
    let visitor = visitor_for_agent(state, agent, visitor_id).await?;
    let reason = blocking::validate_reason(request.reason)?;
    let ip = request
        .ip
        .map(str::trim)
        .filter(|ip| !ip.is_empty())
        .map(IpRange::parse)
        .transpose()?
        .map(|range| range.to_string());
    let now = now_millis();
    let until = request.length.until(now);
    let mut tx = state.store.write().await?;
    let id = tx
        .insert_block(NewBlock {
            inbox_id: visitor.inbox_id,
            visitor_id: Some(visitor.id),
            ip_range: ip.as_deref(),
            reason: &reason,
            created_by: agent.id,
            at: now,
            until,
        })
        .await?;
    tx.append_event(
        visitor.inbox_id,
        visitor.id,
        true,
        Event::VisitorBlocked {
            visitor_id: visitor.id,
            until,
        },
    )
    .await?;
    if let Some(conversation) = tx.open_conversation_of(visitor.id).await? {
        system_line(
            &mut tx,
            &conversation,
            SystemLine::Blocked {
                by: agent.name.clone(),
            },
        )
        .await?;
    }
    tx.commit(&state.hub).await?;
    state
        .store
        .block(id)
        .await?
        .ok_or_else(|| AppError::not_found("block"))
}

/// Lifts a block of an inbox the agent may see.
pub async fn unblock(state: &AppState, agent: &Me, block_id: i64) -> Result<(), AppError> {
    let block = state
        .store
        .block(block_id)
        .await?
        .ok_or_else(|| AppError::not_found("block"))?;
    let inbox_ids = services::visible_inbox_ids(state, agent).await?;
    if !inbox_ids.contains(&block.inbox_id) {
        return Err(AppError::not_found("block"));
    }
    let mut tx = state.store.write().await?;
    if !tx.lift_block(block_id, agent.id, now_millis()).await? {
        // Over already (lifted, or its time ran out): nothing to do, once the lift that may
        // wait in the open batch is committed.
        tx.commit(&state.hub).await?;
        return Ok(());
    }
    if let Some(visitor_id) = block.visitor_id {
        tx.append_event(
            block.inbox_id,
            visitor_id,
            true,
            Event::VisitorUnblocked { visitor_id },
        )
        .await?;
        if let Some(conversation) = tx.open_conversation_of(visitor_id).await? {
            system_line(
                &mut tx,
                &conversation,
                SystemLine::Unblocked {
                    by: agent.name.clone(),
                },
            )
            .await?;
        }
    }
    tx.commit(&state.hub).await?;
    Ok(())
}

/// Every block in force, newest first. Admins only.
pub async fn list(state: &AppState, agent: &Me) -> Result<Vec<VisitorBlock>, AppError> {
    if agent.role != Role::Admin {
        return Err(AppError::Forbidden);
    }
    let inbox_ids = services::visible_inbox_ids(state, agent).await?;
    Ok(state
        .store
        .blocks_in_force(&inbox_ids, now_millis())
        .await?)
}

/// The block that keeps this visitor (at this address) from writing, if any.
pub async fn in_force(
    state: &AppState,
    visitor: &Visitor,
    ip: Option<IpAddr>,
) -> Result<Option<VisitorBlock>, AppError> {
    let now = now_millis();
    if let Some(block) = state.store.visitor_block(visitor.id, now).await? {
        return Ok(Some(block));
    }
    let Some(ip) = ip else {
        return Ok(None);
    };
    let blocks = state.store.ip_blocks(visitor.inbox_id, now).await?;
    Ok(blocks
        .into_iter()
        .find(|block| ip_block_matches(block, visitor.inbox_id, ip)))
}

/// The block among `blocks` (in force, newest first) that keeps this visitor of this inbox,
/// at this address, from writing: one naming them, else an IP block of their inbox whose
/// range holds the address. What [`in_force`] decides, over blocks read for many senders.
pub fn keeping<'a>(
    blocks: &'a [VisitorBlock],
    visitor: &Visitor,
    ip: Option<IpAddr>,
) -> Option<&'a VisitorBlock> {
    blocks
        .iter()
        .find(|block| block.visitor_id == Some(visitor.id))
        .or_else(|| {
            let ip = ip?;
            blocks
                .iter()
                .find(|block| ip_block_matches(block, visitor.inbox_id, ip))
        })
}

/// Whether an IP block of `inbox_id` covers `ip`.
fn ip_block_matches(block: &VisitorBlock, inbox_id: i64, ip: IpAddr) -> bool {
    block.inbox_id == inbox_id
        && block
            .ip_range
            .as_deref()
            .and_then(|range| IpRange::parse(range).ok())
            .is_some_and(|range| range.contains(ip))
}

/// Refuses a blocked visitor (every path a visitor writes through calls this first).
pub async fn check(
    state: &AppState,
    visitor: &Visitor,
    ip: Option<IpAddr>,
) -> Result<(), AppError> {
    match in_force(state, visitor, ip).await? {
        Some(block) => Err(AppError::Blocked { until: block.until }),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn block(
        id: i64,
        inbox_id: i64,
        visitor_id: Option<i64>,
        ip_range: Option<&str>,
    ) -> VisitorBlock {
        VisitorBlock {
            id,
            inbox_id,
            visitor_id,
            visitor_label: None,
            ip_range: ip_range.map(str::to_owned),
            reason: "spam".to_owned(),
            created_by: None,
            created_at: 1,
            until: None,
        }
    }

    fn visitor(id: i64, inbox_id: i64) -> Visitor {
        Visitor {
            id,
            inbox_id,
            name: None,
        }
    }

    #[test]
    fn a_sender_is_kept_by_a_block_naming_them_or_by_their_inboxs_range_holding_their_address() {
        let blocks = [
            block(4, 1, None, Some("203.0.113.0/24")),
            block(3, 2, None, Some("198.51.100.0/24")),
            block(2, 1, Some(7), None),
        ];
        let home: IpAddr = "192.0.2.1".parse().expect("ip");
        let office: IpAddr = "203.0.113.9".parse().expect("ip");
        let elsewhere: IpAddr = "198.51.100.9".parse().expect("ip");
        // Named: kept whatever the address, by the block that names them.
        assert_eq!(
            keeping(&blocks, &visitor(7, 1), Some(home)).map(|b| b.id),
            Some(2)
        );
        assert_eq!(
            keeping(&blocks, &visitor(7, 1), None).map(|b| b.id),
            Some(2)
        );
        // Not named: kept by a range of their own inbox only.
        assert_eq!(
            keeping(&blocks, &visitor(8, 1), Some(office)).map(|b| b.id),
            Some(4)
        );
        assert_eq!(keeping(&blocks, &visitor(8, 1), Some(elsewhere)), None);
        assert_eq!(
            keeping(&blocks, &visitor(9, 2), Some(elsewhere)).map(|b| b.id),
            Some(3)
        );
        assert_eq!(keeping(&blocks, &visitor(8, 1), Some(home)), None);
        assert_eq!(keeping(&blocks, &visitor(8, 1), None), None);
    }
}
