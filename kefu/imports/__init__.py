"""Back-office exports (orders, products/SKUs with stock) into the shop store: ``kefu import``.

Every platform's seller back office exports CSV (often GBK from Excel on Chinese
Windows) or XLSX with its own column names. This package reads any of them
(:mod:`kefu.imports.readers`), maps columns to kefu's fields through a built-in or a
shop-written column map (:mod:`kefu.imports.mappings`), turns rows into the shop's
value objects (:mod:`kefu.imports.records`) and writes them to the SQLite store the
YAML loader fills (:mod:`kefu.imports.store`). Every error names file, row, column
and value in Chinese and English (:class:`ImportDataError`).
"""

from kefu.imports.errors import ImportDataError
from kefu.imports.mappings import ColumnMap, builtin_map, load_mapping_file
from kefu.imports.readers import Table, read_table
from kefu.imports.records import ImportResult, parse_orders, parse_products
from kefu.imports.store import apply_imports, save_import

__all__ = [
    "ColumnMap", "ImportDataError", "ImportResult", "Table", "apply_imports", "builtin_map",
    "load_mapping_file", "parse_orders", "parse_products", "read_table", "save_import",
]
