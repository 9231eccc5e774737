//! .NET: an ASP.NET Core controller, as dd-trace-dotnet reports `exception.ToString()` (inner exceptions
//! as ` ---> ` with `--- End of inner exception stack trace ---`). Layouts are where the PDB says the
//! sources were built: a Docker build (`/src/`), Azure DevOps (`C:\agent\_work\1\s\`), GitHub's Windows
//! (`D:\a\shop\shop\`) and Linux runners, a deterministic build (`/_/`) and no PDB at all (no file).
//! Versions: .NET 6, 8 (with dd-trace-dotnet's middleware) and 9, whose MVC frames differ.

use super::{Case, Root, Variant, never_tracked};
use domain::stacktrace::Language;

const LAYOUTS: [(&str, Option<Root>); 6] = [
    ("docker build", Some(Root("/src"))),
    ("azure devops", Some(Root(r"C:\agent\_work\1\s\src"))),
    ("github windows", Some(Root(r"D:\a\shop\shop\src"))),
    (
        "github linux",
        Some(Root("/home/runner/work/shop/shop/src")),
    ),
    ("deterministic", Some(Root("/_/src"))),
    ("no pdb", None),
];

struct Version {
    name: &'static str,
    /// The MVC executor frame of this version.
    executor: &'static str,
    /// `ControllerActionInvoker.<InvokeActionMethodAsync>g__Awaited|12_0` numbering.
    awaited: &'static str,
    ddtrace: bool,
}

const VERSIONS: [Version; 3] = [
    Version {
        name: ".net 6",
        executor: "Microsoft.AspNetCore.Mvc.Infrastructure.ActionMethodExecutor.TaskOfIActionResultExecutor.Execute(IActionResultTypeMapper mapper, ObjectMethodExecutor executor, Object controller, Object[] arguments)",
        awaited: "<InvokeActionMethodAsync>g__Awaited|12_0",
        ddtrace: false,
    },
    Version {
        name: ".net 8, dd-trace-dotnet",
        executor: "Microsoft.AspNetCore.Mvc.Infrastructure.ActionMethodExecutor.TaskOfIActionResultExecutor.Execute(ActionContext actionContext, IActionResultTypeMapper mapper, ObjectMethodExecutor executor, Object controller, Object[] arguments)",
        awaited: "<InvokeActionMethodAsync>g__Awaited|12_0",
        ddtrace: true,
    },
    Version {
        name: ".net 9",
        executor: "Microsoft.AspNetCore.Mvc.Infrastructure.ActionMethodExecutor.AwaitableObjectResultExecutor.Execute(ActionContext actionContext, IActionResultTypeMapper mapper, ObjectMethodExecutor executor, Object controller, Object[] arguments)",
        awaited: "<InvokeActionMethodAsync>g__Awaited|12_0",
        ddtrace: false,
    },
];

struct Stack<'a> {
    root: Option<Root>,
    version: &'a Version,
    text: String,
}

impl Stack<'_> {
    fn line(&mut self, frame: &str) {
        self.text.push_str(&format!("   at {frame}\n"));
    }

    fn app(&mut self, method: &str, relative: &str, line: u32) {
        match self.root {
            Some(root) => {
                let file = root.join(&format!("Acme.Shop/{relative}"));
                self.line(&format!("{method} in {file}:line {line}"));
            }
            None => self.line(method),
        }
    }

    fn aspnet(&mut self) {
        self.line("lambda_method12(Closure, Object)");
        let executor = self.version.executor;
        self.line(executor);
        let awaited = self.version.awaited;
        self.line(&format!("Microsoft.AspNetCore.Mvc.Infrastructure.ControllerActionInvoker.{awaited}(ControllerActionInvoker invoker, ValueTask`1 actionResultValueTask)"));
        self.text
            .push_str("--- End of stack trace from previous location ---\n");
        self.line("Microsoft.AspNetCore.Routing.EndpointMiddleware.<Invoke>g__AwaitRequestTask|7_0(Endpoint endpoint, Task requestTask, ILogger logger)");
        if self.version.ddtrace {
            self.line("Datadog.Trace.ClrProfiler.AutoInstrumentation.AspNetCore.BlockingMiddleware.Invoke(HttpContext context)");
        }
        self.line("Microsoft.AspNetCore.Authorization.AuthorizationMiddleware.Invoke(HttpContext context)");
        self.line("Microsoft.AspNetCore.Server.Kestrel.Core.Internal.Http.HttpProtocol.ProcessRequests[TContext](IHttpApplication`1 application)");
    }

    fn end_of_inner(&mut self) {
        self.text
            .push_str("   --- End of inner exception stack trace ---\n");
    }
}

fn case(
    variant: Variant,
    layout: &(&'static str, Option<Root>),
    version: &Version,
    n: u32,
) -> Case {
    let (name, root) = *layout;
    let mut s = Stack {
        root,
        version,
        text: String::new(),
    };
    let shift = n % 4;
    let (error_type, message) = match variant {
        Variant::Base | Variant::OtherService | Variant::OtherFunction | Variant::OtherType => {
            let (error_type, message) = if variant == Variant::OtherType {
                (
                    "System.NullReferenceException",
                    "Object reference not set to an instance of an object.".to_owned(),
                )
            } else {
                (
                    "System.InvalidOperationException",
                    format!("No price for sku-{}", 100 + n),
                )
            };
            s.text = format!("{error_type}: {message}\n");
            let raising = if variant == Variant::OtherFunction {
                "DiscountOf"
            } else {
                "PriceOf"
            };
            s.app(
                &format!("Acme.Shop.Cart.PriceBook.{raising}(String sku)"),
                "Cart/PriceBook.cs",
                40 + shift,
            );
            s.app(
                &format!(
                    "Acme.Shop.Cart.CartService.<>c__DisplayClass{}_0.<TotalAsync>b__0(CartLine line)",
                    4 + shift
                ),
                "Cart/CartService.cs",
                61 + shift,
            );
            s.line("System.Linq.Enumerable.Sum[TSource](IEnumerable`1 source, Func`2 selector)");
            s.app(
                "Acme.Shop.Cart.CartService.TotalAsync(Cart cart, CancellationToken ct)",
                "Cart/CartService.cs",
                61 + shift,
            );
            s.app(
                "Acme.Shop.Controllers.CheckoutController.Checkout(CheckoutRequest request, CancellationToken ct)",
                "Controllers/CheckoutController.cs",
                35 + shift,
            );
            s.aspnet();
            (error_type, message)
        }
        Variant::CauseA | Variant::CauseB => {
            let message = format!("Payment failed for order {}", 1000 + n);
            s.text = format!("Acme.Shop.Payments.PaymentFailedException: {message}\n");
            if variant == Variant::CauseA {
                s.text.push_str(" ---> System.Net.Http.HttpRequestException: Connection refused (psp.example.com:443)\n ---> System.Net.Sockets.SocketException (111): Connection refused\n");
                s.line("System.Net.Sockets.Socket.AwaitableSocketAsyncEventArgs.ThrowException(SocketError error, CancellationToken cancellationToken)");
                s.line("System.Net.Http.HttpConnectionPool.ConnectToTcpHostAsync(String host, Int32 port, HttpRequestMessage initialRequest, Boolean async, CancellationToken cancellationToken)");
                s.end_of_inner();
                s.line("System.Net.Http.HttpConnectionPool.ConnectToTcpHostAsync(String host, Int32 port, HttpRequestMessage initialRequest, Boolean async, CancellationToken cancellationToken)");
                s.line("System.Net.Http.HttpClient.<SendAsync>g__Core|83_0(HttpRequestMessage request, HttpCompletionOption completionOption, CancellationTokenSource cts, Boolean disposeCts, CancellationTokenSource pendingRequestsCts, CancellationToken originalCancellationToken)");
            } else {
                s.text.push_str(" ---> System.Text.Json.JsonException: '<' is an invalid start of a value. Path: $ | LineNumber: 0 | BytePositionInLine: 0.\n");
                s.line("System.Text.Json.ThrowHelper.ReThrowWithPath(ReadStack& state, JsonReaderException ex)");
                s.line("System.Text.Json.JsonSerializer.Deserialize[TValue](String json, JsonSerializerOptions options)");
                s.app(
                    "Acme.Shop.Payments.PspClient.ParseReceipt(String body)",
                    "Payments/PspClient.cs",
                    77 + shift,
                );
            }
            s.app(
                "Acme.Shop.Payments.PspClient.ChargeAsync(Order order, CancellationToken ct)",
                "Payments/PspClient.cs",
                41 + shift,
            );
            s.app(
                "Acme.Shop.Payments.PaymentService.ChargeAsync(Order order, CancellationToken ct)",
                "Payments/PaymentService.cs",
                49 + shift,
            );
            s.end_of_inner();
            s.app(
                "Acme.Shop.Payments.PaymentService.ChargeAsync(Order order, CancellationToken ct)",
                "Payments/PaymentService.cs",
                52 + shift,
            );
            s.app(
                "Acme.Shop.Controllers.CheckoutController.Pay(PayRequest request, CancellationToken ct)",
                "Controllers/CheckoutController.cs",
                48 + shift,
            );
            s.aspnet();
            ("Acme.Shop.Payments.PaymentFailedException", message)
        }
    };
    Case {
        label: variant.label("dotnet"),
        service: variant.service("shop-api", "shop-worker"),
        language: Language::DotNet,
        error_type: error_type.to_owned(),
        message,
        stack: s.text,
        note: format!("{name} on {}", version.name),
        rules: None,
    }
}

pub fn cases() -> Vec<Case> {
    let mut cases = Vec::new();
    let mut n = 0;
    for variant in Variant::ALL {
        for layout in &LAYOUTS {
            for version in &VERSIONS {
                n += 1;
                cases.push(case(variant, layout, version, n));
            }
        }
    }
    cases.extend([
        never_tracked(
            Language::DotNet,
            "System.OperationCanceledException",
            "The operation was canceled.",
            "System.OperationCanceledException: The operation was canceled.",
        ),
        never_tracked(
            Language::DotNet,
            "System.Threading.Tasks.TaskCanceledException",
            "A task was canceled.",
            "System.Threading.Tasks.TaskCanceledException: A task was canceled.\n\n",
        ),
        never_tracked(Language::DotNet, "System.IO.IOException", "reset", ""),
    ]);
    cases
}
