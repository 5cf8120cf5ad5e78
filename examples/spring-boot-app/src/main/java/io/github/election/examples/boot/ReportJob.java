package io.github.election.examples.boot;

import io.github.election.spring.boot.ElectionTerm;
import io.github.election.spring.boot.LeaderOnly;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/** The work one replica does: every second, on the leader only. */
@Component
public class ReportJob {

  private static final Logger log = LoggerFactory.getLogger(ReportJob.class);

  private final AtomicInteger runs = new AtomicInteger();

  @Scheduled(fixedDelayString = "${example.report-every:1s}")
  @LeaderOnly
  public void report() {
    log.info("writing the report with term {}", ElectionTerm.current());
    runs.incrementAndGet();
  }

  /** How many times this replica wrote the report. */
  public int runs() {
    return runs.get();
  }
}
