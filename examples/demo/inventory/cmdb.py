#!/usr/bin/env python3
"""Dynamic inventory in the spirit of a CMDB lookup.

Ansible calls it with `--list` (all groups) or `--host NAME` (one host's vars). The hosts it
returns depend on who launches: Playhouse passes the launching user's teams in
PLAYHOUSE_TEAMS (comma-separated), and the first team that is a known group picks the
machines; CMDB_GROUP (set in the launch's env) names a group outright. Each group may
touch only its own machines. An unknown CMDB_GROUP is an error, so a misconfigured launch
fails loudly instead of running against nothing.
"""
import json
import os
import sys

MACHINES = {
    "frontend": ["web1", "web2"],
    "backend": ["api1", "worker1"],
    "data": ["db1"],
}


def inventory(group):
    if group not in MACHINES:
        sys.stderr.write(f"cmdb: unknown group {group!r}; known groups: {', '.join(sorted(MACHINES))}\n")
        sys.exit(1)
    hosts = MACHINES[group]
    return {
        group: {"hosts": hosts},
        "all": {
            "vars": {
                "ansible_connection": "local",
                "ansible_python_interpreter": "{{ ansible_playbook_python }}",
                "cmdb_group": group,
            }
        },
        "_meta": {"hostvars": {host: {"cmdb_owner": group} for host in hosts}},
    }


def main():
    teams = [t for t in os.environ.get("PLAYHOUSE_TEAMS", "").split(",") if t in MACHINES]
    group = os.environ.get("CMDB_GROUP") or (teams[0] if teams else "frontend")
    if len(sys.argv) == 2 and sys.argv[1] == "--list":
        print(json.dumps(inventory(group)))
    elif len(sys.argv) == 3 and sys.argv[1] == "--host":
        print(json.dumps(inventory(group)["_meta"]["hostvars"].get(sys.argv[2], {})))
    else:
        sys.stderr.write("usage: cmdb.py --list | --host NAME\n")
        sys.exit(2)


if __name__ == "__main__":
    main()
