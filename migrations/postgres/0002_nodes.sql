-- The nodes of a cluster (several Switchboard processes on this database). Each node writes
-- its row when it starts and every few seconds after; a node not seen for a while is dead,
-- and the node that runs the cluster's chores removes it with what it held.
CREATE TABLE nodes (
    id          TEXT   PRIMARY KEY,
    started_at  BIGINT NOT NULL,
    seen_at     BIGINT NOT NULL
);

-- Which agents have a workspace open on which node: a row while the node holds at least
-- one of the agent's sockets. An agent is connected while any live node has their row.
CREATE TABLE agent_sockets (
    node_id   TEXT   NOT NULL REFERENCES nodes (id) ON DELETE CASCADE,
    agent_id  BIGINT NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
    PRIMARY KEY (node_id, agent_id)
);
CREATE INDEX agent_sockets_by_agent ON agent_sockets (agent_id);
