package io.github.election.spring.boot;

import io.github.election.LeaderElection;
import io.github.election.LeadershipEvent;
import java.lang.reflect.Method;
import org.aopalliance.intercept.MethodInterceptor;
import org.aopalliance.intercept.MethodInvocation;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.core.annotation.AnnotatedElementUtils;

/** Runs a {@link LeaderOnly} method only while its election's state is LEADER. */
final class LeaderOnlyInterceptor implements MethodInterceptor {

  private static final Logger log = LoggerFactory.getLogger(LeaderOnlyInterceptor.class);

  private final ObjectProvider<Elections> elections;

  LeaderOnlyInterceptor(ObjectProvider<Elections> elections) {
    this.elections = elections;
  }

  @Override
  public Object invoke(MethodInvocation invocation) throws Throwable {
    Method method = invocation.getMethod();
    LeaderOnly annotation = AnnotatedElementUtils.findMergedAnnotation(method, LeaderOnly.class);
    if (annotation == null && invocation.getThis() != null) {
      annotation = AnnotatedElementUtils.findMergedAnnotation(
          org.springframework.aop.support.AopUtils.getMostSpecificMethod(method,
              invocation.getThis().getClass()), LeaderOnly.class);
    }
    Elections all = elections.getObject();
    LeaderElection election = annotation == null || annotation.value().isEmpty()
        ? all.single() : all.get(annotation.value());
    LeadershipEvent now = election.current();
    if (!now.isLeader()) {
      if (log.isDebugEnabled()) {
        log.debug("{}: {}; skipping {}.{}", election.name(), now.state(),
            method.getDeclaringClass().getSimpleName(), method.getName());
      }
      return skipped(method.getReturnType());
    }
    long[] before = ElectionTerm.enter(now.term());
    try {
      return invocation.proceed();
    } finally {
      ElectionTerm.exit(before);
    }
  }

  private static Object skipped(Class<?> type) {
    if (!type.isPrimitive() || type == void.class) {
      return null;
    }
    if (type == boolean.class) {
      return false;
    }
    if (type == char.class) {
      return '\0';
    }
    if (type == long.class) {
      return 0L;
    }
    if (type == double.class) {
      return 0d;
    }
    if (type == float.class) {
      return 0f;
    }
    if (type == byte.class) {
      return (byte) 0;
    }
    if (type == short.class) {
      return (short) 0;
    }
    return 0;
  }
}
