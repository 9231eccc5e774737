//! Java: a Spring MVC controller over a CGLIB-proxied service, as dd-trace-java reports the servlet
//! span's error (`printStackTrace`: Spring's `ServletException` wrapper, then `Caused by:` with
//! `... N more`). Layouts are how the JVM names the class's loader: a Spring Boot fat jar (no prefix),
//! `java -cp` (`app//`) and a named module whose version changes with every release
//! (`com.acme.shop@1.4.2/`). Versions: Spring Boot 3.1 on JDK 17, 3.2 on JDK 21 with dd-trace-java's
//! servlet filter, 3.4 on JDK 21.

use super::{Case, Variant, never_tracked};
use domain::stacktrace::Language;

const LAYOUTS: [&str; 3] = ["fat jar", "class path", "named module"];

struct Version {
    name: &'static str,
    jdk21: bool,
    /// `DispatcherServlet.doDispatch` and `FrameworkServlet.processRequest` lines of this Spring.
    spring: (u32, u32),
    ddtrace: bool,
}

const VERSIONS: [Version; 3] = [
    Version {
        name: "spring boot 3.1, jdk 17",
        jdk21: false,
        spring: (1081, 1011),
        ddtrace: false,
    },
    Version {
        name: "spring boot 3.2, jdk 21, dd-trace-java",
        jdk21: true,
        spring: (1089, 1014),
        ddtrace: true,
    },
    Version {
        name: "spring boot 3.4, jdk 21",
        jdk21: true,
        spring: (1088, 1022),
        ddtrace: false,
    },
];

struct Stack<'a> {
    layout: &'static str,
    version: &'a Version,
    release: u32,
    text: String,
}

impl Stack<'_> {
    fn line(&mut self, frame: &str) {
        self.text.push_str(&format!("\tat {frame}\n"));
    }

    /// An application frame, prefixed the way this layout's class loader is printed.
    fn app(&mut self, class: &str, method: &str, file: &str, line: u32) {
        let prefix = match self.layout {
            "class path" => "app//".to_owned(),
            "named module" => format!("com.acme.shop@1.{}.0/", self.release),
            _ => String::new(),
        };
        self.line(&format!("{prefix}{class}.{method}({file}:{line})"));
    }

    fn jdk(&mut self, frame: &str) {
        self.line(&format!("java.base/{frame}"));
    }

    fn reflection(&mut self) {
        if self.version.jdk21 {
            self.jdk("jdk.internal.reflect.DirectMethodHandleAccessor.invoke(DirectMethodHandleAccessor.java:103)");
            self.jdk("java.lang.reflect.Method.invoke(Method.java:580)");
        } else {
            self.jdk("jdk.internal.reflect.NativeMethodAccessorImpl.invoke0(Native Method)");
            self.jdk("jdk.internal.reflect.NativeMethodAccessorImpl.invoke(NativeMethodAccessorImpl.java:77)");
            self.jdk("jdk.internal.reflect.DelegatingMethodAccessorImpl.invoke(DelegatingMethodAccessorImpl.java:43)");
            self.jdk("java.lang.reflect.Method.invoke(Method.java:568)");
        }
    }

    /// Spring's frames from the handler method call to the servlet; with `servlet`, down to the thread.
    fn spring(&mut self, servlet: bool) {
        let (dispatch, process) = self.version.spring;
        for frame in [
            "org.springframework.web.method.support.InvocableHandlerMethod.doInvoke(InvocableHandlerMethod.java:255)".to_owned(),
            "org.springframework.web.method.support.InvocableHandlerMethod.invokeForRequest(InvocableHandlerMethod.java:188)".to_owned(),
            "org.springframework.web.servlet.mvc.method.annotation.ServletInvocableHandlerMethod.invokeAndHandle(ServletInvocableHandlerMethod.java:118)".to_owned(),
            format!("org.springframework.web.servlet.DispatcherServlet.doDispatch(DispatcherServlet.java:{dispatch})"),
            format!("org.springframework.web.servlet.FrameworkServlet.processRequest(FrameworkServlet.java:{process})"),
        ] {
            self.line(&frame);
        }
        if servlet {
            self.servlet();
        }
    }

    fn servlet(&mut self) {
        self.line("jakarta.servlet.http.HttpServlet.service(HttpServlet.java:590)");
        self.line("org.apache.catalina.core.ApplicationFilterChain.internalDoFilter(ApplicationFilterChain.java:205)");
        if self.version.ddtrace {
            self.line("datadog.trace.instrumentation.servlet5.JakartaServletFilter.doFilter(JakartaServletFilter.java:43)");
        }
        self.line("org.apache.catalina.core.ApplicationFilterChain.doFilter(ApplicationFilterChain.java:149)");
        self.line("org.apache.tomcat.util.threads.ThreadPoolExecutor.runWorker(ThreadPoolExecutor.java:1191)");
        self.jdk(if self.version.jdk21 {
            "java.lang.Thread.run(Thread.java:1583)"
        } else {
            "java.lang.Thread.run(Thread.java:833)"
        });
    }

    /// Spring's wrapper around what the handler threw.
    fn wrapper(&mut self, cause: &str) {
        let (_, process) = self.version.spring;
        self.text =
            format!("jakarta.servlet.ServletException: Request processing failed: {cause}\n");
        self.line(&format!(
            "org.springframework.web.servlet.FrameworkServlet.processRequest(FrameworkServlet.java:{process})"
        ));
        self.line(
            "org.springframework.web.servlet.FrameworkServlet.doPost(FrameworkServlet.java:925)",
        );
        self.servlet();
    }

    fn more(&mut self) {
        let more = if self.version.ddtrace { 27 } else { 26 };
        self.text.push_str(&format!("\t... {more} more\n"));
    }
}

fn case(variant: Variant, layout: &'static str, version: &Version, n: u32) -> Case {
    let mut s = Stack {
        layout,
        version,
        release: n,
        text: String::new(),
    };
    let shift = n % 4;
    let (error_type, message) = match variant {
        Variant::Base | Variant::OtherService | Variant::OtherFunction | Variant::OtherType => {
            let (error_type, message) = if variant == Variant::OtherType {
                (
                    "java.lang.NullPointerException",
                    "Cannot invoke \"java.math.BigDecimal.multiply(java.math.BigDecimal)\" because \"price\" is null".to_owned(),
                )
            } else {
                (
                    "java.lang.IllegalStateException",
                    format!("no price for sku-{}", 100 + n),
                )
            };
            s.wrapper(&format!("{error_type}: {message}"));
            s.text
                .push_str(&format!("Caused by: {error_type}: {message}\n"));
            let raising = if variant == Variant::OtherFunction {
                "discountOf"
            } else {
                "priceOf"
            };
            s.app(
                "com.acme.shop.cart.PriceBook",
                raising,
                "PriceBook.java",
                40 + shift,
            );
            s.app(
                "com.acme.shop.cart.CartService",
                "lambda$total$0",
                "CartService.java",
                61 + shift,
            );
            s.jdk("java.util.stream.ReferencePipeline$3$1.accept(ReferencePipeline.java:197)");
            s.jdk(if version.jdk21 {
                "java.util.ArrayList$ArrayListSpliterator.forEachRemaining(ArrayList.java:1708)"
            } else {
                "java.util.ArrayList$ArrayListSpliterator.forEachRemaining(ArrayList.java:1625)"
            });
            s.jdk("java.util.stream.AbstractPipeline.copyInto(AbstractPipeline.java:509)");
            s.jdk("java.util.stream.ReduceOps$ReduceOp.evaluateSequential(ReduceOps.java:921)");
            s.app(
                "com.acme.shop.cart.CartService",
                "total",
                "CartService.java",
                62 + shift,
            );
            s.line("com.acme.shop.cart.CartService$$SpringCGLIB$$0.total(<generated>)");
            s.app(
                "com.acme.shop.checkout.CheckoutController",
                "checkout",
                "CheckoutController.java",
                35 + shift,
            );
            s.reflection();
            s.spring(false);
            s.more();
            (error_type, message)
        }
        Variant::CauseA | Variant::CauseB => {
            let message = format!("charge failed for order {}", 1000 + n);
            let wrapper = format!("com.acme.shop.payments.PaymentFailedException: {message}");
            s.wrapper(&wrapper);
            s.text.push_str(&format!("Caused by: {wrapper}\n"));
            s.app(
                "com.acme.shop.payments.PaymentService",
                "charge",
                "PaymentService.java",
                52 + shift,
            );
            s.app(
                "com.acme.shop.checkout.CheckoutController",
                "pay",
                "CheckoutController.java",
                48 + shift,
            );
            s.reflection();
            s.spring(false);
            s.more();
            if variant == Variant::CauseA {
                s.text
                    .push_str("Caused by: java.net.SocketTimeoutException: Read timed out\n");
                s.jdk("sun.nio.ch.NioSocketImpl.timedRead(NioSocketImpl.java:278)");
                s.jdk("sun.nio.ch.NioSocketImpl.implRead(NioSocketImpl.java:304)");
                s.jdk("java.net.Socket$SocketInputStream.read(Socket.java:1099)");
                s.line("org.apache.hc.core5.http.impl.io.SessionInputBufferImpl.fillBuffer(SessionInputBufferImpl.java:149)");
            } else {
                s.text.push_str("Caused by: com.fasterxml.jackson.core.JsonParseException: Unexpected character ('<' (code 60)): expected a valid value\n");
                s.line(
                    "com.fasterxml.jackson.core.JsonParser._constructError(JsonParser.java:2477)",
                );
                s.line(
                    "com.fasterxml.jackson.databind.ObjectMapper.readValue(ObjectMapper.java:3740)",
                );
                s.app(
                    "com.acme.shop.payments.PspClient",
                    "parseReceipt",
                    "PspClient.java",
                    77 + shift,
                );
            }
            s.app(
                "com.acme.shop.payments.PspClient",
                "charge",
                "PspClient.java",
                41 + shift,
            );
            s.app(
                "com.acme.shop.payments.PaymentService",
                "charge",
                "PaymentService.java",
                49 + shift,
            );
            s.text.push_str("\t... 31 more\n");
            ("jakarta.servlet.ServletException", message)
        }
    };
    let message = match variant {
        Variant::CauseA | Variant::CauseB => format!(
            "Request processing failed: com.acme.shop.payments.PaymentFailedException: {message}"
        ),
        _ => format!("Request processing failed: {error_type}: {message}"),
    };
    Case {
        label: variant.label("java"),
        service: variant.service("shop-api", "shop-batch"),
        language: Language::Java,
        error_type: "jakarta.servlet.ServletException".to_owned(),
        message,
        stack: s.text,
        note: format!("{layout} on {}", version.name),
        rules: None,
    }
}

pub fn cases() -> Vec<Case> {
    let mut cases = Vec::new();
    let mut n = 0;
    for variant in Variant::ALL {
        for layout in LAYOUTS {
            for version in &VERSIONS {
                n += 1;
                cases.push(case(variant, layout, version, n));
            }
        }
    }
    cases.extend([
        never_tracked(
            Language::Java,
            "java.lang.OutOfMemoryError",
            "Java heap space",
            "java.lang.OutOfMemoryError: Java heap space",
        ),
        never_tracked(
            Language::Java,
            "java.util.concurrent.CancellationException",
            "",
            "java.util.concurrent.CancellationException\n\n",
        ),
        never_tracked(Language::Java, "java.io.IOException", "Broken pipe", ""),
    ]);
    cases
}
