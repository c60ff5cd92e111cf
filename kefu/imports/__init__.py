"""Back-office exports (orders, products/SKUs with stock) into the shop store: ``kefu import``.

Every platform's seller back office exports CSV (often GBK from Excel on Chinese
Windows) or XLSX with its own column names. This package reads any of them
(:mod:`kefu.imports.readers`), maps columns to kefu's fields through a built-in or a
shop-written column map (:mod:`kefu.imports.mappings`), turns rows into the shop's
value objects (:mod:`kefu.imports.records`) and writes them to the SQLite store the
YAML loader fills (:mod:`kefu.shop.imported`). Every error names file, row, column
and value in Chinese and English (:class:`kefu.imports.errors.ImportDataError`).
"""
