-- Point SELECTs by primary key with a share of single-row UPDATEs (--write-pct, default 0), text
-- protocol, autocommit: the workload of bench/query-cache. Tables come from oltp_common (prepare/cleanup).
require("oltp_common")

sysbench.cmdline.options.write_pct = {"Percent of events that are an UPDATE instead of a SELECT", 0}

function prepare_statements()
end

function thread_init()
  drv = sysbench.sql.driver()
  con = drv:connect()
end

function thread_done()
  con:disconnect()
end

function event()
  local tbl = "sbtest" .. sysbench.rand.uniform(1, sysbench.opt.tables)
  local id = sysbench.rand.default(1, sysbench.opt.table_size)
  if sysbench.rand.uniform(1, 100) <= sysbench.opt.write_pct then
    con:query(string.format("UPDATE %s SET k=k+1 WHERE id=%d", tbl, id))
  else
    con:query(string.format("SELECT c FROM %s WHERE id=%d", tbl, id))
  end
end
