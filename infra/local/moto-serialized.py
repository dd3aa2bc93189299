"""moto's HTTP server, fixed for a ledger's load. Usage: python moto-serialized.py HOST PORT [--keep-alive]

1. moto 5.2.5's backends are not thread-safe: concurrent DynamoDB transactions fail with "dictionary
   changed size during iteration" (HTTP 500). Connections stay threaded; the work inside moto is serialized.
2. moto backs up every table a TransactWriteItems touches with a deep copy, per item, before each
   transaction: quadratic in the table's size (a 1,000-posting ledger already takes seconds per posting).
   Here the backup is of the touched items only, restored if the transaction is cancelled, which is all
   the rollback needs because (1) lets no other request in between.
3. --keep-alive (the benchmark's stacks): served by waitress, which keeps HTTP/1.1 connections open as DynamoDB and
   the other AWS endpoints do. werkzeug's development server answers every request with `Connection: close`, so each
   AWS SDK call opened a new connection and the benchmark charged the worker for connects production does not make.
   waitress reads each request body by its length before the next request, which is what keep-alive needs.
   (werkzeug's request handler, and with it moto's spelling of S3 metadata names with underscores, is not used
   there; nothing here sends such names.)
"""
import copy
import os
import sys
import threading
import types

import moto.dynamodb.models as dynamodb_models
from moto.dynamodb.models.table import Table
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
from werkzeug.serving import run_simple

# (2) moto's own whole-table backup becomes a no-op for tables; items are backed up below.
dynamodb_models.copy = types.SimpleNamespace(deepcopy=lambda obj, *a: obj if isinstance(obj, Table) else copy.deepcopy(obj, *a))
_transact = dynamodb_models.DynamoDBBackend.transact_write_items


def _item_key(backend, op_type, op):
    if op_type != "Put":
        return op["Key"]
    table = backend.get_table(op["TableName"])
    key = {table.hash_key_attr: op["Item"][table.hash_key_attr]}
    if table.range_key_attr is not None:
        key[table.range_key_attr] = op["Item"][table.range_key_attr]
    return key


def transact_write_items(self, transact_items):
    backup = []
    for entry in transact_items:
        op_type, op = next(iter(entry.items()))
        try:
            key = _item_key(self, op_type, op)
            current = self.get_item(op["TableName"], key)
        except Exception:
            continue  # moto reports the bad operation itself
        backup.append((op["TableName"], key, None if current is None else current.to_json()["Attributes"]))
    try:
        return _transact(self, transact_items)
    except Exception:
        for table_name, key, attrs in reversed(backup):
            if attrs is None:
                self.delete_item(table_name, key)
            else:
                self.put_item(table_name, attrs)
        raise


dynamodb_models.DynamoDBBackend.transact_write_items = transact_write_items

host, port = sys.argv[1], int(sys.argv[2])
keep_alive = "--keep-alive" in sys.argv[3:]
os.environ.setdefault("MOTO_PORT", str(port))
app = DomainDispatcherApplication(create_backend_app)
lock = threading.Lock()


def serialized(environ, start_response):
    with lock:
        return list(app(environ, start_response))


if keep_alive:
    import logging

    from waitress import serve

    # Requests wait for the lock above, so a queue of them behind a slow one is expected, not worth a warning each.
    logging.getLogger("waitress.queue").setLevel(logging.ERROR)
    serve(serialized, host=host, port=port, threads=8, connection_limit=1000, channel_timeout=120, _quiet=True)
else:
    run_simple(host, port, serialized, threaded=True, request_handler=MotoRequestHandler)
