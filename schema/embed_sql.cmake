# Writes OUT, a C++ file defining the node and central migrations as
# string literals, from the ;-separated SQL file lists NODE_SQL / CENTRAL_SQL.
function(emit_list var name out_var)
  set(body "")
  foreach(f IN LISTS ${var})
    file(READ "${f}" content)
    get_filename_component(base "${f}" NAME)
    string(APPEND body "    {\"${base}\", R\"hoso_sql(${content})hoso_sql\"},\n")
  endforeach()
  set(${out_var} "const std::vector<hoso::EmbeddedSql>& ${name}() {\n  static const std::vector<hoso::EmbeddedSql> kFiles = {\n${body}  };\n  return kFiles;\n}\n" PARENT_SCOPE)
endfunction()

emit_list(NODE_SQL NodeMigrationFiles node_fn)
emit_list(CENTRAL_SQL CentralMigrationFiles central_fn)
file(WRITE "${OUT}.new" "// Generated from schema/sql by embed_sql.cmake. Do not edit.\n#include \"schema/migrations.h\"\n\nnamespace hoso {\n\n${node_fn}\n${central_fn}\n}  // namespace hoso\n")
execute_process(COMMAND ${CMAKE_COMMAND} -E copy_if_different "${OUT}.new" "${OUT}")
