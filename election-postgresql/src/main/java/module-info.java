/** The PostgreSQL backend (scheme {@code postgresql}), a record store on one row per election. */
module io.github.election.postgresql {
  requires io.github.election;
  requires org.slf4j;
  requires java.sql;
  requires java.naming;
  requires org.postgresql.jdbc;
  requires static io.github.election.testing;

  exports io.github.election.postgresql;
  exports io.github.election.postgresql.testing;

  provides io.github.election.spi.ElectionBackendProvider
      with io.github.election.postgresql.PostgresBackendProvider;
}
